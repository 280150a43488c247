import HTTPD

/// How a router or `MiddlewareMux` writes its error answers (404, 405, a thrown `HTTPError`, 413 for a
/// body over the limit, 500 for a handler that threw something else): a content type and a body.
///
/// ```swift
/// let router = Router(errors: .json)   // {"status":404,"error":"Not Found","message":"no route for GET /x"}
/// let custom = ErrorResponder(contentType: "text/html; charset=utf-8") { error, _ in
///     "<h1>\(error.status)</h1><p>\(error.message)</p>"
/// }
/// ```
public struct ErrorResponder: Sendable {
    /// The `Content-Type` of the answers.
    public let contentType: String
    private let render: @Sendable (HTTPError, HTTPRequest) -> String

    /// Answers with `render`'s text as `contentType`.
    public init(contentType: String, render: @escaping @Sendable (_ error: HTTPError, _ request: HTTPRequest) -> String) {
        self.contentType = contentType
        self.render = render
    }

    /// `404 Not Found: no route for GET /x` as plain text (the status line alone when there is no message).
    public static let plainText = ErrorResponder(contentType: "text/plain; charset=utf-8") { error, _ in
        "\(error)\n"
    }

    /// `{"status":404,"error":"Not Found","message":"no route for GET /x"}`.
    public static let json = ErrorResponder(contentType: "application/json") { error, _ in
        "{\"status\":\(error.status),\"error\":\(JSONText.quoted(HTTPError.reasonPhrase(error.status))),"
            + "\"message\":\(JSONText.quoted(error.message))}"
    }

    /// Answers `error` on `response`, unless the response has begun (then rethrows it, and the server
    /// closes the connection). `HTTPError`s are answered as they are; `HTTPDError`s with the status they
    /// imply (413 for a body over the limit, 400, 408, …); anything else is logged and answered 500,
    /// without its text. A client that went away gets nothing (the error is rethrown).
    nonisolated(nonsending) public func respond(to error: any Error, request: HTTPRequest, response: HTTPResponse) async throws {
        guard response.status == nil else { throw error }
        let answer: HTTPError
        switch error {
        case let error as HTTPError:
            answer = error
        case let error as HTTPDError:
            if error == .connectionClosed { throw error }
            let status = error.responseStatus
            if status == 500 { Self.log(error, request) }
            answer = status == 500 ? HTTPError(500) : HTTPError(status, error.description)
        default:
            Self.log(error, request)
            answer = HTTPError(500)
        }
        try await response.write(
            status: answer.status, headers: [("Content-Type", contentType)] + answer.headers, body: render(answer, request))
    }

    private static func log(_ error: any Error, _ request: HTTPRequest) {
        HTTPServer.current?.logger.error("handler for \(request.method) \(request.url) threw: \(error)")
    }
}
