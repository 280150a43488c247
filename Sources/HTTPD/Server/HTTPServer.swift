import Logging
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import Tracing

/// A running HTTP server (`start-http-server!`): listens on one or more addresses and serves every
/// request with the handler its multiplexer picks.
///
/// ```swift
/// let server = try await HTTPServer.start("127.0.0.1:8080")
/// try await server.register("/hello") { request, response in
///     try await response.write(status: 200, headers: [("Content-Type", "text/plain")], body: "hello\n")
/// }
/// await server.wait()
/// ```
public final class HTTPServer: Sendable {
    /// The server whose handler is running, set for the duration of each handler.
    @TaskLocal static var handlerServer: HTTPServer?
    private static let latest = NIOLockedValueBox<HTTPServer?>(nil)

    /// The server whose handler is running (`current-http-server`); outside handlers, the most
    /// recently started server that has not stopped.
    public static var current: HTTPServer? {
        handlerServer ?? latest.withLockedValue { $0 }
    }

    /// The multiplexer that routes this server's requests.
    public let mux: any HTTPMux
    /// The limits and timeouts this server enforces.
    public let settings: HTTPSettings
    /// Where the server's connection events and handler errors are logged.
    public let logger: Logger
    /// The listeners the server was started with, in the order of `addresses` (plain ones for
    /// `start(addresses:)`): how a transport's library finds what it made (`server.reloadTLS()`).
    public let listeners: [HTTPListener]

    private struct State {
        var listeners: [any Channel] = []
        var addresses: [String] = []
        var ports: [Int?] = []
        /// What each listener listens on (a descriptor shared with other processes, or its own socket).
        var endpoints: [ServerAddress.Endpoint] = []
        /// The listeners were bound with `SocketOption.reusePort`.
        var reusesPort = false
        /// Every address was bound and "listening" logged (so "stopped" is logged too).
        var started = false
    }

    private let state = NIOLockedValueBox(State())
    let group: any EventLoopGroup
    private let stoppedPromise: EventLoopPromise<Void>
    private let context = NIOLockedValueBox<ServerContext?>(nil)

    private init(mux: any HTTPMux, settings: HTTPSettings, logger: Logger, listeners: [HTTPListener], group: any EventLoopGroup) {
        self.mux = mux
        self.settings = settings
        self.logger = logger
        self.listeners = listeners
        self.group = group
        self.stoppedPromise = group.any().makePromise()
    }

    /// Starts a server listening on every address in `addresses` (`start-http-server!`).
    ///
    /// - Parameters:
    ///   - mux: routes requests to handlers; a `DefaultHTTPMux` by default.
    ///   - backlog: the listen backlog; 4096, as large as Linux allows by default (the kernel caps it
    ///     at `net.core.somaxconn`): with the reference's 10, a burst of connects waits seconds for
    ///     SYN retransmits.
    ///   - socketOptions: options for the listening sockets; `SO_REUSEADDR` by default.
    ///   - settings: limits and timeouts; the process-wide defaults by default.
    ///   - eventLoopGroup: the loops that run connections and handlers; by default one loop per CPU the
    ///     process may run on (NIO's shared group, unless its CPU affinity allows fewer).
    ///   - logger: where errors and connection events go.
    ///   - trustedProxies: the proxies whose forwarding headers (`X-Forwarded-For`, or `Forwarded`) name
    ///     the original client in `HTTPRequest.client`, `scheme` and `host`; none by default.
    ///   - proxyProtocol: which listeners expect a PROXY protocol header (v1 or v2) on every connection;
    ///     none by default.
    ///   - observers: told of every connection and every finished exchange (`HTTPAccessLog`,
    ///     `HTTPMetrics`); when none is an `HTTPMetrics` and a swift-metrics backend is bootstrapped,
    ///     `HTTPMetrics()` reports to it.
    ///   - tracer: runs each request in a server span; by default the tracer bootstrapped with
    ///     `InstrumentationSystem` when the server starts, if any (none: no spans, no cost).
    ///   - addresses: `"host:port"` (port 0 picks a free port), `"[::1]:8080"`, `":8080"`, `"unix:/path"`,
    ///     or `"fd:N"`: the listening socket at descriptor N, shared with other processes (`SharedListener`).
    /// - Throws: `HTTPDError.invalidSetting`, `.invalidAddress` or `.bindFailed` naming the address.
    public static func start(
        mux: any HTTPMux = DefaultHTTPMux(),
        backlog: Int = 4096,
        socketOptions: [SocketOption] = [.reuseAddress],
        settings: HTTPSettings = HTTPSettings(),
        eventLoopGroup: (any EventLoopGroup)? = nil,
        logger: Logger = Logger(label: "swift-httpd"),
        trustedProxies: TrustedProxies? = nil,
        proxyProtocol: ProxyProtocolMode = .off,
        observers: [any HTTPServerObserver] = [],
        tracer: (any Tracer)? = nil,
        addresses: [String]
    ) async throws(HTTPDError) -> HTTPServer {
        try await start(
            mux: mux, backlog: backlog, socketOptions: socketOptions, settings: settings,
            eventLoopGroup: eventLoopGroup, logger: logger, trustedProxies: trustedProxies,
            proxyProtocol: proxyProtocol, observers: observers, tracer: tracer, listeners: addresses.map(HTTPListener.plain))
    }

    /// Starts a server on `listeners`: plain and TLS ones (`HTTPListener.tls` from `HTTPDTLS`) at once,
    /// all with the same multiplexer, settings and handlers.
    ///
    /// - Parameters:
    ///   - mux: routes requests to handlers; a `DefaultHTTPMux` by default.
    ///   - backlog: the listen backlog; 4096, as large as Linux allows by default (the kernel caps it
    ///     at `net.core.somaxconn`): with the reference's 10, a burst of connects waits seconds for
    ///     SYN retransmits.
    ///   - socketOptions: options for the listening sockets; `SO_REUSEADDR` by default.
    ///   - settings: limits and timeouts; the process-wide defaults by default.
    ///   - eventLoopGroup: the loops that run connections and handlers; by default one loop per CPU the
    ///     process may run on (NIO's shared group, unless its CPU affinity allows fewer).
    ///   - logger: where errors and connection events go.
    ///   - trustedProxies: the proxies whose forwarding headers (`X-Forwarded-For`, or `Forwarded`) name
    ///     the original client in `HTTPRequest.client`, `scheme` and `host`; none by default.
    ///   - proxyProtocol: which listeners expect a PROXY protocol header (v1 or v2) on every connection;
    ///     none by default.
    ///   - observers: told of every connection and every finished exchange (`HTTPAccessLog`,
    ///     `HTTPMetrics`); when none is an `HTTPMetrics` and a swift-metrics backend is bootstrapped,
    ///     `HTTPMetrics()` reports to it.
    ///   - tracer: runs each request in a server span; by default the tracer bootstrapped with
    ///     `InstrumentationSystem` when the server starts, if any (none: no spans, no cost).
    ///   - listeners: where to listen and how each listener carries its connections (`.plain("127.0.0.1:8080")`);
    ///     addresses as in `start(addresses:)`.
    /// - Throws: `HTTPDError.invalidSetting`, `.invalidAddress` or `.bindFailed` naming the address.
    public static func start(
        mux: any HTTPMux = DefaultHTTPMux(),
        backlog: Int = 4096,
        socketOptions: [SocketOption] = [.reuseAddress],
        settings: HTTPSettings = HTTPSettings(),
        eventLoopGroup: (any EventLoopGroup)? = nil,
        logger: Logger = Logger(label: "swift-httpd"),
        trustedProxies: TrustedProxies? = nil,
        proxyProtocol: ProxyProtocolMode = .off,
        observers: [any HTTPServerObserver] = [],
        tracer: (any Tracer)? = nil,
        listeners: [HTTPListener]
    ) async throws(HTTPDError) -> HTTPServer {
        let addresses = listeners.map(\.address)
        try settings.validate()
        try proxyProtocol.validate(against: addresses)
        guard backlog > 0 else { throw .invalidSetting(name: "backlog", value: "\(backlog)") }
        guard !addresses.isEmpty else { throw .invalidAddress("", reason: "no address to listen on") }
        var parsed: [ServerAddress] = []
        for address in addresses { try parsed.append(ServerAddress(address)) }
        let transports = listeners.map(\.transport)

        let group = eventLoopGroup ?? DefaultEventLoopGroup.shared
        let server = HTTPServer(mux: mux, settings: settings, logger: logger, listeners: listeners, group: group)
        let origins = ClientOrigins(trustedProxies: trustedProxies, proxyProtocol: proxyProtocol.isOn)
        let serverContext = ServerContext(
            server: server, mux: mux, settings: settings, logger: logger, group: group, origins: origins,
            observers: ServerObservers.make(observers), tracer: tracer ?? RequestTracing.bootstrappedTracer)
        server.context.withLockedValue { $0 = serverContext }
        for (address, transport) in zip(parsed, transports) {
            do {
                let channel = try await Listener.bind(
                    address, backlog: backlog, socketOptions: socketOptions, serverContext: serverContext, group: group,
                    proxyProtocol: proxyProtocol.applies(to: address.text), transport: transport)
                server.state.withLockedValue {
                    $0.listeners.append(channel)
                    $0.addresses.append(Listener.describe(channel, fallback: address.text))
                    $0.ports.append(channel.localAddress?.port)
                    $0.endpoints.append(address.endpoint)
                    $0.reusesPort = socketOptions.contains(.reusePort)
                }
            } catch {
                await server.stop()  // closes what was bound; logs nothing, as the server never started
                if case .bindFailed(let address, let reason) = error {
                    throw .bindFailed(address: address, reason: HTTPDError.bindReason(reason))
                }
                throw error
            }
        }
        server.state.withLockedValue { $0.started = true }
        latest.withLockedValue { $0 = server }
        logger.info("listening", metadata: ["addresses": "\(server.addresses.joined(separator: " "))"])
        return server
    }

    /// Starts a server with the default multiplexer and settings on `addresses`.
    public static func start(_ addresses: String...) async throws(HTTPDError) -> HTTPServer {
        try await start(addresses: addresses)
    }

    /// The addresses the server listens on, as bound: a port 0 is reported as the port picked.
    public var addresses: [String] {
        state.withLockedValue { $0.addresses }
    }

    /// The TCP port of the first address, handy when it was 0.
    public var port: Int? {
        state.withLockedValue { $0.ports.first ?? nil }
    }

    /// How many client connections are open.
    public var connectionCount: Int {
        context.withLockedValue { $0?.connections.count ?? 0 }
    }

    /// Registers `handler` for `path` with the server's multiplexer (`http-register-handler`).
    ///
    /// `path` is `""` (with a recursive multiplexer: every path) or starts with `/`. Throws
    /// `HTTPDError.invalidPath`, or the multiplexer's error when it takes no registrations.
    ///
    /// `host` is passed to the multiplexer, which decides what it means. As in the reference, the
    /// built-in multiplexers (`DefaultHTTPMux`, `RecursiveHTTPMux`, …) serve every host and ignore it;
    /// to serve different handlers per host, start the server with a `VirtualHostMux`.
    public func register(_ path: String, host: String? = nil, handler: @escaping HTTPHandler) async throws {
        guard path.isEmpty || path.hasPrefix("/") else { throw HTTPDError.invalidPath(path) }
        try mux.putHandler(host: host, path: path, handler: handler)
    }

    /// Stops the server (`stop-http-server!`): stops accepting and closes every connection at once.
    public func stop() async {
        let listeners = markStopped()
        for listener in listeners { try? await listener.close() }
        for connection in openConnections { try? await connection.close() }
        finishStop()
    }

    /// Stops accepting at once, lets requests in progress finish for up to `gracePeriod`, then closes
    /// whatever is still open. Idle connections close after a moment (half a second at most) in which
    /// the last accepted ones can send their first request.
    public func stop(gracePeriod: Duration) async {
        let listeners = markStopped()
        // Every open connection learns of the stop before the listeners close (so once nothing listens,
        // all know); idle ones close after, with those accepted in between.
        await drainOpenConnections(closingIdle: false)
        for listener in listeners { await closeAfterAccepted(listener) }
        // The connections accepted last may not have sent (or the server read) their first request yet:
        // they get a moment before idle connections are closed, rather than a close with no answer.
        await drainOpenConnections(closingIdle: false)
        await waitUntilNoConnections(within: min(.milliseconds(500), gracePeriod))
        await drainOpenConnections(closingIdle: true)
        let connections = openConnections
        let loop = group.any()
        let closed = EventLoopFuture.andAllComplete(connections.map(\.closeFuture), on: loop)
        // Whichever comes first: every connection closed, or the deadline.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumed = NIOLockedValueBox(false)
            let resumeOnce: @Sendable () -> Void = {
                let first = resumed.withLockedValue { resumed in
                    defer { resumed = true }
                    return !resumed
                }
                if first { continuation.resume() }
            }
            closed.whenComplete { _ in resumeOnce() }
            loop.scheduleTask(in: TimeAmount(gracePeriod)) { resumeOnce() }
        }
        for connection in openConnections { try? await connection.close() }
        finishStop()
    }

    /// Returns when every connection has closed, or after `limit`.
    func waitUntilNoConnections(within limit: Duration) async {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while connectionCount > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Closes `listener` without losing a connection it has accepted: it stops accepting, the
    /// connections accepted so far finish joining the server (NIO closes one still being set up on its
    /// event loop when its listener closes), and then it closes.
    func closeAfterAccepted(_ listener: any Channel) async {
        try? await listener.setOption(ChannelOptions.autoRead, value: false).get()
        // A connection being set up goes from the listener's loop to its own and back: two rounds of
        // no-op tasks on every loop, queued behind those steps, see each one through.
        for _ in 0..<2 {
            for loop in group.makeIterator() { try? await loop.submit {}.get() }
            try? await listener.eventLoop.submit {}.get()
        }
        try? await listener.close()
    }

    /// Returns when the server has stopped (the reference's `thread-join!` on the server thread).
    public func wait() async {
        try? await stoppedPromise.futureResult.get()
    }

    /// Tells every open connection to close once its current request is answered (idle ones now, if
    /// `closingIdle`).
    func drainOpenConnections(closingIdle: Bool) async {
        for connection in openConnections {
            do {
                try await connection.pipeline.handler(type: HTTPConnection.self)
                    .map { $0.beginDrain(closingIdle: closingIdle) }.get()
            } catch ChannelPipelineError.notFound {
                // Handed over to another protocol (a WebSocket): it hears of the stop as an event.
                connection.pipeline.fireUserInboundEventTriggered(ServerStoppingEvent())
            } catch {}
        }
    }

    /// The listening channels (for the graceful handover), each with what it listens on.
    var listenerChannels: [(channel: any Channel, endpoint: ServerAddress.Endpoint)] {
        state.withLockedValue { Array(zip($0.listeners, $0.endpoints)) }
    }

    /// The listeners were bound with `SocketOption.reusePort`.
    var reusesPort: Bool {
        state.withLockedValue { $0.reusesPort }
    }

    /// What the connections share, until the server has stopped.
    var sharedContext: ServerContext? {
        context.withLockedValue { $0 }
    }

    private var openConnections: [any Channel] {
        context.withLockedValue { $0?.connections.open ?? [] }
    }

    private func markStopped() -> [any Channel] {
        Self.latest.withLockedValue { if $0 === self { $0 = nil } }
        return state.withLockedValue { $0.listeners }
    }

    private func finishStop() {
        // Break the server ↔ context cycle and let `wait()` return.
        context.withLockedValue { $0 = nil }
        stoppedPromise.succeed()
        if state.withLockedValue({ $0.started }) { logger.info("stopped") }
    }
}
