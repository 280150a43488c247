/// Every error swift-httpd throws: misuse of the API, bad addresses, and what a client did to a request.
public enum HTTPDError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A setting was given a value that is not positive.
    case invalidSetting(name: String, value: String)
    /// An address string could not be understood.
    case invalidAddress(String, reason: String)
    /// An address could not be listened on (busy, not local, no permission).
    case bindFailed(address: String, reason: String)
    /// The multiplexer does not take handlers after it was made (the static ones).
    case registrationNotSupported(mux: String)
    /// A handler path that is neither empty nor starts with `/`.
    case invalidPath(String)
    /// A response was already written (or begun) for this request.
    case responseAlreadyStarted
    /// `chunk`, `end` or `forceOutput` came before `begin`.
    case responseNotBegun
    /// `chunk`, `end` or `forceOutput` came after the response ended (`end`, or a whole `write`).
    case responseAlreadyEnded
    /// A response header name or value holds CR, LF, NUL, or (in a name) a character that is not a token character.
    case invalidHeader(name: String)
    /// A status code outside 200...999 (informational 1xx responses are the server's own).
    case invalidStatus(Int)
    /// `chunk(_:start:end:)` was given a range outside the chunk.
    case invalidRange(start: Int, end: Int, count: Int)
    /// `file(headers:path:)` found no file at the path.
    case fileNotFound(String)
    /// `file(headers:path:)` may not read the file at the path.
    case fileNotReadable(String)
    /// The request body is larger than `maxRequestBodyLength`.
    case requestBodyTooLarge(limit: Int)
    /// The request body is malformed (bad chunked framing).
    case malformedRequestBody
    /// The client sent nothing for the request timeout while the body was being read.
    case requestTimedOut
    /// The client went away, or the server closed the connection.
    case connectionClosed
    /// The request body was read in a way that clashes with an earlier read (`body()` and
    /// `bodyChunks` on one request, a limit set after reading began); the text says what happened.
    case bodyMisuse(String)
    /// `writeBody(toFile:)` could not create or write the file at the path.
    case fileNotWritable(String)

    /// What went wrong, in a sentence.
    public var description: String {
        switch self {
        case .invalidSetting(let name, let value):
            return "setting \(name) must be positive, got \(value)"
        case .invalidAddress(let address, let reason):
            return "invalid address \"\(address)\": \(reason)"
        case .bindFailed(let address, let reason):
            return "cannot listen on \(address): \(reason)"
        case .registrationNotSupported(let mux):
            return "\(mux) does not support registering handlers"
        case .invalidPath(let path):
            return "handler path \"\(path)\" must be empty or start with /"
        case .responseAlreadyStarted:
            return "a response was already written for this request"
        case .responseNotBegun:
            return "the chunked response was not begun: call begin(status:headers:) first"
        case .responseAlreadyEnded:
            return "the chunked response has already ended"
        case .invalidHeader(let name):
            return "response header \"\(name)\" has a character not allowed in HTTP headers (CR, LF, NUL, or a non-token name)"
        case .invalidStatus(let status):
            return "status \(status) is not a three-digit HTTP status code"
        case .invalidRange(let start, let end, let count):
            return "chunk range \(start)..<\(end) is outside a chunk of \(count) bytes"
        case .fileNotFound(let path):
            return "no file at \(path)"
        case .fileNotReadable(let path):
            return "file \(path) cannot be read"
        case .requestBodyTooLarge(let limit):
            return "request body is larger than the \(limit)-byte limit"
        case .malformedRequestBody:
            return "request body framing is malformed"
        case .requestTimedOut:
            return "request timed out"
        case .connectionClosed:
            return "connection closed"
        case .bodyMisuse(let what):
            return "request body misuse: \(what)"
        case .fileNotWritable(let path):
            return "file \(path) cannot be written"
        }
    }

    /// The status a server answers with when a handler lets this error escape before responding
    /// (413 for a body over the limit, 400, 408, 404, 403; 500 for the rest).
    public var responseStatus: Int {
        switch self {
        case .requestBodyTooLarge: return 413
        case .malformedRequestBody: return 400
        case .requestTimedOut: return 408
        case .fileNotFound: return 404
        case .fileNotReadable: return 403
        default: return 500
        }
    }

    /// A bind failure's reason as it reads best: SwiftNIO's `bind(descriptor:ptr:bytes:): Address already
    /// in use) (errno: 98)` becomes `Address already in use (errno: 98)`.
    static func bindReason(_ reason: String) -> String {
        var text = Substring(reason)
        if text.hasPrefix("bind("), let colon = text.firstRange(of: "): ") {
            text = text[colon.upperBound...]
        }
        if let stray = text.firstRange(of: ") (errno: ") {
            text = text[..<stray.lowerBound] + " (errno: " + text[stray.upperBound...]
        }
        return String(text)
    }
}
