import NIOCore
import NIOHTTP1

/// One request, as its handler sees it (`http-request-…`).
///
/// The head is parsed before the handler runs; the body is read from the connection only when the
/// handler asks for it: whole with `body()`, or as it arrives with `bodyChunks` (or `writeBody(toFile:)`).
public final class HTTPRequest: Sendable {
    /// The method, as sent: `"GET"`, `"POST"`, `"PATCH"`, ….
    public let method: String
    /// The raw request target, as sent: `/search?q=swift`.
    public let url: String
    /// The path part of the target (before the first `?`); an absolute-form target is reduced to its path.
    public let path: String
    /// The query part of the target (after the first `?`), or nil when the target has none.
    public let params: String?
    /// The protocol: `"HTTP/1.1"`, `"HTTP/1.0"`, or `"HTTP/2.0"` for a request on an HTTP/2 stream.
    public let proto: String
    /// The client's IP address (`"127.0.0.1"`, `"::1"`), or the socket path for a Unix-domain client.
    ///
    /// Behind a proxy this is the original client: from the connection's PROXY header on a listener that
    /// expects one, and from the forwarding headers when the peer is one of the server's trusted proxies
    /// (see `TrustedProxies`). `peerAddress` is the socket's own peer.
    public let client: String
    /// The client's port, when it has one (nil when a proxy's `X-Forwarded-For` named the client).
    public let clientPort: Int?
    /// The socket's peer: the same as `client`, unless a PROXY header or a trusted proxy named another.
    public var peerAddress: String { origin?.peerAddress ?? client }
    /// The socket peer's port, when it has one.
    public var peerPort: Int? { origin == nil ? clientPort : origin!.peerPort }
    /// The scheme the client used: what a trusted proxy reported (`"https"` when it terminated TLS and
    /// sent `X-Forwarded-Proto: https` or `Forwarded: proto=https`), else `"https"` on a TLS listener
    /// (`isSecure`) and `"http"` on a plain one.
    public var scheme: String { origin?.scheme ?? transportScheme }
    /// What PROXY header and trusted proxies said about the client; nil when nothing (and always
    /// without proxy settings).
    let origin: RequestOrigin?
    /// Values that layers above the core attach to the request for its handler, by key (a router's path
    /// parameters, a middleware's authenticated user); empty until one does. Touch it only from the
    /// request's handler and the middleware around it, which run one at a time.
    public var userInfo: UserInfo {
        get { extensionValues }
        _modify { yield &extensionValues }
    }
    @exclusivity(unchecked) private nonisolated(unsafe) var extensionValues = UserInfo()
    /// The limit the handler set for this request's body (`setMaxBodyLength`), nil for the server's.
    /// Touched by the handler only, like `userInfo`.
    @exclusivity(unchecked) private nonisolated(unsafe) var bodyLimit: Int?
    /// The handler began reading the body (after which its limit is fixed).
    @exclusivity(unchecked) private nonisolated(unsafe) var bodyReadStarted = false

    /// The registered route pattern that matched (`/todos/:id`), set by the router that picked the
    /// handler; nil until one does. A request's trace span is named after it, not after the raw path.
    public var route: String? {
        get { routePattern }
        set { routePattern = newValue }
    }
    @exclusivity(unchecked) private nonisolated(unsafe) var routePattern: String?

    /// The values in `userInfo`, by key: `request.userInfo["user"] = user`, `request.userInfo["user"] as? User`.
    /// A short list searched in order, not a hash table: a request carries a few such values, and a list
    /// needs no hashing; it allocates nothing until the first value is set.
    public struct UserInfo: Sendable {
        private var entries: [(key: String, value: any Sendable)]?

        /// No values.
        public init() {}

        /// The value stored under `key`, or nil; setting nil removes it.
        public subscript(key: String) -> (any Sendable)? {
            get { entries?.first { $0.key == key }?.value }
            set {
                if let index = entries?.firstIndex(where: { $0.key == key }) {
                    if let newValue { entries![index].value = newValue } else { entries!.remove(at: index) }
                } else if let newValue {
                    if entries == nil { entries = [] }
                    entries!.append((key, newValue))
                }
            }
        }

        /// The keys that have values, in the order they were first set.
        public var keys: [String] { entries?.map(\.key) ?? [] }
    }

    /// The header fields, each value without the whitespace around it (see `trimmedFields`).
    let fields: HTTPHeaders
    /// The request has an `Upgrade` header. NIOHTTP1's decoder reads nothing more on a connection after
    /// a request it takes for an upgrade (`Upgrade` with `Connection: upgrade`), and this server upgrades
    /// to nothing: such a request is answered as if `Upgrade` were absent (RFC 9110 §7.8), then the
    /// connection closes (`HTTPConnection.begin`).
    let asksToUpgrade: Bool
    let exchange: Exchange

    /// A request from `head`; the head check said whether a field value ends in whitespace and whether
    /// one field is `Upgrade` (it reads every field once, so this reads none again).
    init(
        head: HTTPRequestHead, client: String, clientPort: Int?, exchange: Exchange, fieldsNeedTrimming: Bool,
        asksToUpgrade: Bool
    ) {
        self.fields = fieldsNeedTrimming ? Self.trimmedFields(head.headers) : head.headers
        self.asksToUpgrade = asksToUpgrade
        self.method = head.method.rawValue
        self.url = head.uri
        self.proto = head.version == .http1_1 ? "HTTP/1.1" : head.version == .http1_0 ? "HTTP/1.0" : "HTTP/2.0"
        // Without proxy settings (`origins` nil) this is one test; the rest is out of line.
        if _slowPath(exchange.connection.serverContext.origins != nil),
            let origin = Self.origin(peer: client, peerPort: clientPort, fields: fields, exchange: exchange)
        {
            self.client = origin.client
            self.clientPort = origin.clientPort
            self.origin = origin
        } else {
            self.client = client
            self.clientPort = clientPort
            self.origin = nil
        }
        self.exchange = exchange
        (self.path, self.params) = RequestTarget.split(head.uri)
    }

    /// What the server's proxy settings make of a request from `peer` (nil: nothing changes).
    @inline(never)
    private static func origin(peer: String, peerPort: Int?, fields: HTTPHeaders, exchange: Exchange) -> RequestOrigin? {
        exchange.connection.serverContext.origins?.origin(peer: peer, peerPort: peerPort, fields: fields, connection: exchange.connection)
    }

    /// The headers in arrival order, names title-cased (`x-forwarded-for` → `X-Forwarded-For`), values as
    /// sent without the spaces and tabs before and after them (RFC 9112 §5: they are not part of the value).
    public var headers: [(name: String, value: String)] {
        fields.map { (name: TitleCase.apply($0.name), value: $0.value) }
    }

    /// The value of the first header called `name` (compared without case), or nil.
    public func header(_ name: String) -> String? {
        fields.first(name: name)
    }

    /// Every value of the headers called `name` (compared without case), in arrival order.
    public func headerValues(_ name: String) -> [String] {
        fields[name]
    }

    /// The host the request is for, as the multiplexer routes it: the authority of an absolute-form
    /// target (`GET http://a.example/x` → `a.example`, whatever `Host` says: RFC 9112 §3.2.2), else the
    /// `Host` header (`a.example:8080`), else nil (an HTTP/1.0 request without one). Behind a trusted
    /// proxy that reports the host the client asked for (`X-Forwarded-Host`, `Forwarded: host=`), that one.
    public var host: String? {
        if _slowPath(origin != nil), let forwarded = origin!.host { return forwarded }
        if url.utf8.first != UInt8(ascii: "/"), let authority = RequestTarget.authority(of: url) {
            return String(Substring(authority))
        }
        return fields.first(name: "host")
    }

    /// `headers` with each value's trailing spaces and tabs removed (NIOHTTP1 removes only the leading
    /// ones); made only when a value has some, which is rare.
    static func trimmedFields(_ headers: HTTPHeaders) -> HTTPHeaders {
        var trimmed = HTTPHeaders()
        trimmed.reserveCapacity(headers.count)
        for (name, value) in headers {
            let needsTrim = RequestHeadCheck.endsInWhitespace(value)
            trimmed.add(name: name, value: needsTrim ? String(Substring(value.utf8.trimmingTrailingWhitespace())) : value)
        }
        return trimmed
    }

    /// The query parameters, decoded: `a=1&b=x%20y&c` → `[("a", "1"), ("b", "x y"), ("c", "")]`.
    public var query: [(name: String, value: String)] {
        guard let params else { return [] }
        return QueryDecoder.pairs(params)
    }

    /// The decoded value of the first query parameter called `name`, or nil.
    public func queryParameter(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// The request body (`http-request-body`): read from the client on the first call, then cached.
    ///
    /// Returns nil for a request without a body. Throws `HTTPDError.requestBodyTooLarge` past
    /// `maxRequestBodyLength` (or the request's own limit, `setMaxBodyLength`; a declared length over
    /// it is refused before anything is read), `.requestTimedOut` when the client stalls for the
    /// request timeout, `.malformedRequestBody` for bad chunked framing, `.connectionClosed` when the
    /// client goes away, and `.bodyMisuse` after the body was read as a stream (`bodyChunks`).
    /// When the client sent `Expect: 100-continue`, the first call sends `100 Continue`.
    nonisolated(nonsending) public func body() async throws -> [UInt8]? {
        bodyReadStarted = true
        return try await exchange.connection.readBody(for: exchange, limit: bodyLimit)
    }

    /// The body decoded as UTF-8 text, or nil for a request without a body.
    nonisolated(nonsending) public func bodyText() async throws -> String? {
        try await body().map { String(decoding: $0, as: UTF8.self) }
    }

    /// The body as it arrives, chunk by chunk: `for try await chunk in request.bodyChunks { … }`.
    ///
    /// The connection reads only as fast as the handler takes chunks (see `RequestBodyChunks`). An
    /// empty sequence for a request without a body. Reading it after `body()` throws `.bodyMisuse`.
    public var bodyChunks: RequestBodyChunks { RequestBodyChunks(request: self) }

    /// The next chunk for `bodyChunks`.
    nonisolated(nonsending) func nextBodyChunk() async throws -> ByteBuffer? {
        bodyReadStarted = true
        return try await exchange.connection.nextBodyChunk(for: exchange, limit: bodyLimit)
    }

    /// Sets the largest body this request may have, in place of the server's `maxRequestBodyLength`
    /// (larger for an upload route, or smaller), before the body is read: a declared length over it
    /// gets 413 when reading starts, before anything is read; a chunked body growing past it makes
    /// reading throw `requestBodyTooLarge`, and the client gets 413 and a close. Throws
    /// `HTTPDError.invalidSetting` for a limit below 1 and `.bodyMisuse` once reading has begun.
    public func setMaxBodyLength(_ bytes: Int) throws(HTTPDError) {
        guard bytes > 0 else { throw .invalidSetting(name: "maxBodyLength", value: "\(bytes)") }
        guard !bodyReadStarted else { throw .bodyMisuse("setMaxBodyLength(_:) was called after reading of the body began") }
        bodyLimit = bytes
    }

    /// Whether the client is still there: false once the connection is gone (the client reset it, or
    /// closed it and answered the server's `102 Processing` with a reset; a write failed; or the server
    /// closed it: a response timeout, `stop()`), at which point the handler's task is also cancelled.
    /// A client that only shut its sending side (a FIN) still counts as connected: it may be waiting
    /// for its answer.
    public var isClientConnected: Bool {
        !exchange.clientGone.load(ordering: .relaxed)
    }

    /// Changes this connection's request timeout (`http-request-timeout-set!`): the time allowed to
    /// receive the next request head, and the longest a body may stall.
    public func setTimeout(_ timeout: Duration) {
        exchange.onLoop { $0.setRequestTimeout(timeout) }
    }
}
