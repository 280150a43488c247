import HTTPD

/// An error that is an answer: throw it from a handler or middleware and the router (or a
/// `MiddlewareMux`) answers with its status, headers and message, shaped by its `ErrorResponder`.
///
/// ```swift
/// guard let todo = todos[id] else { throw HTTPError(404, "no todo \(id)") }
/// ```
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// The status to answer with (400…599 as a rule).
    public let status: Int
    /// What went wrong, for the client: the status's reason phrase unless a message was given.
    public let message: String
    /// Headers to send with the answer (`Allow` for a 405, `WWW-Authenticate` for a 401, …).
    public let headers: [(name: String, value: String)]

    /// An error answered with `status`, `message` (by default the status's reason phrase) and `headers`.
    public init(_ status: Int, _ message: String? = nil, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.message = message ?? HTTPError.reasonPhrase(status)
        self.headers = headers
    }

    /// `404 Not Found: no todo 7`.
    public var description: String {
        let phrase = HTTPError.reasonPhrase(status)
        return message == phrase ? "\(status) \(phrase)" : "\(status) \(phrase): \(message)"
    }

    /// The status's reason phrase (RFC 9110's, as the server's own answers use); "Error" for a status
    /// that has none.
    public static func reasonPhrase(_ status: Int) -> String {
        let phrase = StatusReason.phrase(status)
        return phrase.isEmpty ? "Error" : phrase
    }
}
