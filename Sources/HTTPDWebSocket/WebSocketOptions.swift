import HTTPD

/// How `HTTPResponse.webSocket` accepts a handshake and runs the connection.
public struct WebSocketOptions: Sendable {
    /// The largest message taken from the client, in bytes, whole or reassembled from fragments; a
    /// larger one closes the connection with 1009 (message too big). 1 MiB by default.
    public var maxMessageSize: Int
    /// How long the connection may be quiet before the server pings the client; a client that answers
    /// neither that ping nor anything else for another interval is closed (1001, then the socket).
    /// 30 s by default; nil: never ping.
    public var pingInterval: Duration?
    /// How long the server waits for the client to answer its close frame before it closes the
    /// socket anyway. 5 s by default.
    public var closeTimeout: Duration
    /// The longest a send may make no progress because the client does not read; nil (the default):
    /// the server's `responseTimeout`.
    public var sendTimeout: Duration?
    /// Whether to accept a handshake from the page at `Origin` (nil when the client sent none, as
    /// non-browser clients do); refused handshakes get 403. Accepts every origin by default.
    public var acceptsOrigin: @Sendable (_ origin: String?) -> Bool
    /// Picks the subprotocol to speak from those the client offers in `Sec-WebSocket-Protocol`, in
    /// its order of preference; nil: none (the default). A pick the client did not offer is ignored.
    public var chooseSubprotocol: @Sendable (_ offered: [String]) -> String?

    /// Options with the defaults, changed by the arguments given.
    public init(
        maxMessageSize: Int = 1 << 20,
        pingInterval: Duration? = .seconds(30),
        closeTimeout: Duration = .seconds(5),
        sendTimeout: Duration? = nil,
        acceptsOrigin: @escaping @Sendable (_ origin: String?) -> Bool = { _ in true },
        chooseSubprotocol: @escaping @Sendable (_ offered: [String]) -> String? = { _ in nil }
    ) {
        self.maxMessageSize = maxMessageSize
        self.pingInterval = pingInterval
        self.closeTimeout = closeTimeout
        self.sendTimeout = sendTimeout
        self.acceptsOrigin = acceptsOrigin
        self.chooseSubprotocol = chooseSubprotocol
    }
}
