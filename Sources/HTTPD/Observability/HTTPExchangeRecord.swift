import NIOHTTP1

/// One answered (or abandoned) request, as the server really handled it: reported once to every
/// `HTTPServerObserver` when its response is out or the connection gave up on it, the server's own
/// refusals (400, 408, 413, 414, 417, 431, 501, 505) included. The access log and the metrics are
/// both made from it.
public struct HTTPExchangeRecord: Sendable {
    /// The request line, as sent.
    public struct RequestLine: Sendable, Hashable {
        /// `GET`, `POST`, …
        public var method: String
        /// The request target, as sent: `/search?q=swift`.
        public var target: String
        /// `HTTP/1.1` or `HTTP/1.0`.
        public var version: String

        /// A request line from its parts.
        public init(method: String, target: String, version: String) {
            self.method = method
            self.target = target
            self.version = version
        }
    }

    /// How the exchange ended.
    public enum Ending: Sendable, Hashable {
        /// The response went out in full (a handler's, or the server's error answer for a handler that threw).
        case completed
        /// The server refused the request itself and closed the connection.
        case refused(RefusalReason)
        /// A wait ran out: the server answered 408 (head or body), or cut the response off.
        case timedOut(TimeoutStage)
        /// The handler threw after its response began: the server cut the response short and closed.
        case handlerFailed
        /// The connection closed before the response was out: the client left (or the server was
        /// stopped without a grace period).
        case clientGone

        /// The ending's name in logs and metric labels: `completed`, `refused`, `timed_out`,
        /// `handler_failed`, `client_gone`.
        public var name: String {
            switch self {
            case .completed: "completed"
            case .refused: "refused"
            case .timedOut: "timed_out"
            case .handlerFailed: "handler_failed"
            case .clientGone: "client_gone"
            }
        }

        /// Why it was refused or which wait ran out (`body_too_large`, `request_body`), else nil.
        public var reason: String? {
            switch self {
            case .refused(let reason): reason.rawValue
            case .timedOut(let stage): stage.rawValue
            case .completed, .handlerFailed, .clientGone: nil
            }
        }
    }

    /// Why the server refused a request.
    public enum RefusalReason: String, Sendable, Hashable, CaseIterable {
        /// A malformed request line or header, a bad `Host`, conflicting framing headers (400).
        case badRequest = "bad_request"
        /// A chunked body with broken framing (400).
        case badFraming = "bad_framing"
        /// A body over `maxRequestBodyLength`, declared or as it arrived (413).
        case bodyTooLarge = "body_too_large"
        /// A request target over `maxTokenLength` (414).
        case targetTooLong = "target_too_long"
        /// Too many header lines, or one over `maxTokenLength` (431).
        case headersTooLarge = "headers_too_large"
        /// An `Expect` other than `100-continue` (417).
        case expectationFailed = "expectation_failed"
        /// A method or transfer coding the server does not implement (501).
        case notImplemented = "not_implemented"
        /// An HTTP version other than 1.0 and 1.1 (505).
        case versionNotSupported = "version_not_supported"

        /// The reason for a refusal the server answered with `status`.
        init(status: Int) {
            switch status {
            case 413: self = .bodyTooLarge
            case 414: self = .targetTooLong
            case 417: self = .expectationFailed
            case 431: self = .headersTooLarge
            case 501: self = .notImplemented
            case 505: self = .versionNotSupported
            default: self = .badRequest
            }
        }
    }

    /// The wait that ran out.
    public enum TimeoutStage: String, Sendable, Hashable, CaseIterable {
        /// The request head did not arrive in full within the request timeout (408).
        case requestHead = "request_head"
        /// The request body stalled for the request timeout (408 from the handler's `body()`).
        case requestBody = "request_body"
        /// The response made no progress for the response timeout: the connection was closed.
        case response
    }

    /// The client's address (`127.0.0.1`, `::1`, a Unix socket's path): as `HTTPRequest.client` names
    /// it (behind a trusted proxy, the original client) for a request that reached a handler, else the
    /// socket's peer.
    public var client: String
    /// The client's port, when it has one.
    public var clientPort: Int?
    /// When the exchange began (its head arrived; for a head refused unparsed, when it was refused),
    /// as wall-clock time since 1970-01-01 00:00 UTC.
    public var startTime: Duration
    /// How long it took, from its head to its last response byte handed to the connection.
    public var duration: Duration { .nanoseconds(durationNanoseconds) }
    /// `duration` in nanoseconds (as the connection measured it; metrics take it without converting).
    let durationNanoseconds: Int64
    /// The request line, or nil when the head was refused before it parsed.
    public var request: RequestLine?
    /// The request's header fields (none when the head never parsed), looked up only when asked for.
    let requestHeaders: HTTPHeaders
    /// The request's `Host` header, when sent.
    public var host: String? { requestHeaders.first(name: "host") }
    /// The request's `Referer` header, when sent.
    public var referer: String? { requestHeaders.first(name: "referer") }
    /// The request's `User-Agent` header, when sent.
    public var userAgent: String? { requestHeaders.first(name: "user-agent") }
    /// The status written on the wire, or nil when no response began.
    public var status: Int?
    /// Response body bytes handed to the connection (the head not counted).
    public var responseBodyBytes: Int
    /// Request body bytes read (collected or skipped).
    public var requestBodyBytes: Int
    /// How it ended.
    public var ending: Ending
    /// A handler ran for it (false for the server's own refusals of a head).
    public var reachedHandler: Bool

    /// A record with every field given (for observers' own tests).
    public init(
        client: String, clientPort: Int?, startTime: Duration, duration: Duration, request: RequestLine?,
        host: String? = nil, referer: String? = nil, userAgent: String? = nil, status: Int?, responseBodyBytes: Int,
        requestBodyBytes: Int, ending: Ending, reachedHandler: Bool
    ) {
        self.client = client
        self.clientPort = clientPort
        self.startTime = startTime
        let (seconds, attoseconds) = duration.components
        self.durationNanoseconds = seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
        self.request = request
        var headers = HTTPHeaders()
        if let host { headers.add(name: "Host", value: host) }
        if let referer { headers.add(name: "Referer", value: referer) }
        if let userAgent { headers.add(name: "User-Agent", value: userAgent) }
        self.requestHeaders = headers
        self.status = status
        self.responseBodyBytes = responseBodyBytes
        self.requestBodyBytes = requestBodyBytes
        self.ending = ending
        self.reachedHandler = reachedHandler
    }

    /// A record of what the connection saw, with the request's header fields as they came.
    init(
        client: String, clientPort: Int?, startTime: Duration, durationNanoseconds: Int64, request: RequestLine?,
        requestHeaders: HTTPHeaders, status: Int?, responseBodyBytes: Int, requestBodyBytes: Int, ending: Ending,
        reachedHandler: Bool
    ) {
        self.client = client
        self.clientPort = clientPort
        self.startTime = startTime
        self.durationNanoseconds = durationNanoseconds
        self.request = request
        self.requestHeaders = requestHeaders
        self.status = status
        self.responseBodyBytes = responseBodyBytes
        self.requestBodyBytes = requestBodyBytes
        self.ending = ending
        self.reachedHandler = reachedHandler
    }
}
