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

    /// The reason phrase of the statuses errors use; "Error" for others.
    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 402: return "Payment Required"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 411: return "Length Required"
        case 412: return "Precondition Failed"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Content"
        case 428: return "Precondition Required"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Error"
        }
    }
}
