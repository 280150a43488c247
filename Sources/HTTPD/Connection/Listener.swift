import NIOCore
import NIOHTTP1
import NIOPosix

/// Binds a listening socket and builds each accepted connection's pipeline:
/// `InboundTrafficMeter` → NIOHTTP1's request decoder, with limits from the settings → `HTTPConnection`;
/// on a listener that expects the PROXY protocol, `ProxyProtocolHandler` first; then whatever the
/// listener's transport adds (TLS), ahead of the HTTP handlers.
enum Listener {
    /// How many connections a listener accepts per event-loop turn (NIO's default is 4), so a burst of
    /// connects is taken promptly.
    static let acceptBurst = 256

    /// The first read of a connection, at most (the input buffer size when that is smaller).
    static let initialReadSize = 1024

    /// Listens on `address` and serves every accepted connection with `serverContext`.
    static func bind(
        _ address: ServerAddress, backlog: Int, socketOptions: [SocketOption], serverContext: ServerContext,
        group: any EventLoopGroup, proxyProtocol: Bool = false, transport: HTTPListener.Transport = .plain
    ) async throws(HTTPDError) -> any Channel {
        let settings = serverContext.settings
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Int32(clamping: backlog))
            .serverChannelOption(.maxMessagesPerRead, value: UInt(acceptBurst))
            .serverChannelInitializer { channel in
                // Out of file descriptors (EMFILE), pause accepting instead of spinning on accept().
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptBackoff(observers: serverContext.observers))
                }
            }
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            // A client's FIN closes only the input: a client that half-closes still gets its answers
            // (see `HTTPConnection.inputClosed`).
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            // One read per readiness event (NIO's default is up to 4 while reads fill the buffer): NIO
            // does not stop for a handler that holds reading back, so this bounds what a connection that
            // pipelines without reading its answers has decoded and waiting to one read.
            .childChannelOption(.maxMessagesPerRead, value: 1)
            // Output over the high-water mark makes the channel unwritable: streamed responses wait, and
            // no pipelined request starts, until the client has read down to the low mark. Tied to
            // outputBufferSize (32 and 64 KiB by default, NIO's own marks).
            .childChannelOption(
                .writeBufferWaterMark,
                value: .init(low: 8 * settings.outputBufferSize, high: 16 * settings.outputBufferSize))
            // Reads start small (NIO keeps each connection's last read buffer, so this is what an idle
            // connection holds) and grow with the traffic, up to the input buffer size or 64 KiB.
            .childChannelOption(
                .recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(
                    minimum: 64, initial: min(settings.inputBufferSize, initialReadSize),
                    maximum: max(65536, settings.inputBufferSize)))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try addHandlers(to: channel, serverContext: serverContext, proxyProtocol: proxyProtocol, transport: transport)
                }
            }
        if socketOptions.contains(.reuseAddress) {
            bootstrap = bootstrap.serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        }
        if socketOptions.contains(.reusePort) {
            bootstrap = bootstrap.serverChannelOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: 1)
        }
        do {
            switch address.endpoint {
            case .tcp(let host, let port):
                let socketAddress = try SocketAddress.makeAddressResolvingHost(host, port: port)
                return try await bootstrap.bind(to: socketAddress).get()
            case .unix(let path):
                return try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            case .descriptor(let descriptor):
                return try await SharedListener.adopt(descriptor, bootstrap: bootstrap, backlog: backlog)
            }
        } catch let error as HTTPDError {
            throw error
        } catch {
            throw .bindFailed(address: address.text, reason: "\(error)")
        }
    }

    /// Builds one accepted connection's pipeline (internal so the fuzz target builds the same one).
    static func addHandlers(
        to channel: any Channel, serverContext: ServerContext, proxyProtocol: Bool = false,
        transport: HTTPListener.Transport = .plain
    ) throws {
        let settings = serverContext.settings
        let sync = channel.pipeline.syncOperations
        if proxyProtocol {
            // Before HTTP and before TLS: the header is the first thing on the wire.
            try sync.addHandler(
                ProxyProtocolHandler(timeLimit: TimeAmount(settings.requestTimeout), logger: serverContext.logger))
        }
        var connectionTransport = ConnectionTransport.plain
        if _slowPath(transport.initializer != nil) {
            // The transport's handlers (TLS) sit between the socket (or the PROXY header) and HTTP.
            let details = try transport.initializer!(channel, serverContext.logger)
            connectionTransport = ConnectionTransport(
                isSecure: transport.isSecure, allowsFileRegions: transport.allowsFileRegions, details: details)
        }
        serverContext.handover.countAccepted()
        if _slowPath(transport.protocolSelector != nil) {
            // HTTP/1.1 or HTTP/2, once the connection says which (ALPN, or HTTP/2's preface).
            try transport.protocolSelector!(channel, HTTPServing(serverContext: serverContext, transport: connectionTransport))
        } else {
            try addHTTP1Handlers(to: channel, serverContext: serverContext, transport: connectionTransport)
        }
        serverContext.connections.add(channel)
        serverContext.observers?.connectionOpened(channel)
    }

    /// Adds the HTTP/1.1 handlers at the end of `channel`'s pipeline: `InboundTrafficMeter`, NIOHTTP1's
    /// request decoder with limits from the settings, and the connection.
    static func addHTTP1Handlers(to channel: any Channel, serverContext: ServerContext, transport: ConnectionTransport) throws {
        let settings = serverContext.settings
        let token = settings.maxTokenLength
        var limits = NIOHTTPDecoderLimitConfiguration()
        // NIOHTTP1 counts the request target and each header's name and value against one field limit:
        // leave room for our own finer checks (414 and 431) to give the right status.
        limits.maxHeaderFieldSize = 2 * token + 64
        limits.maxHeaderListSize = min(settings.maxRequestHeaders, 4096) * (2 * token + 64)
        limits.maxHeaderFieldCount = settings.maxRequestHeaders + 1
        let meter = InboundTrafficMeter()
        let decoder = HTTPRequestDecoder(
            leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop, limitConfiguration: limits)
        let sync = channel.pipeline.syncOperations
        let connection = HTTPConnection(
            serverContext: serverContext, meter: meter, executor: serverContext.executors.executor(for: channel.eventLoop),
            transport: transport)
        // A connection accepted while the server drains is served once, then closed.
        if serverContext.handover.isDraining { connection.beginDrain(closingIdle: false) }
        try sync.addHandler(meter)
        // The decoder keeps at most one head and one read's bytes (it stops parsing after an upgrade
        // request, and a connection then closes): past that the client gets 400, never a growing buffer.
        try sync.addHandler(ByteToMessageHandler(decoder, maximumBufferSize: limits.maxHeaderListSize + 131_072))
        try sync.addHandler(connection)
    }

    /// Adds the handler that serves one HTTP/2 stream at the end of `stream`'s pipeline (behind
    /// NIOHTTP2's `HTTP2FramePayloadToHTTP1ServerCodec`).
    static func addHTTP2StreamHandler(to stream: any Channel, serverContext: ServerContext, transport: ConnectionTransport) throws {
        let connection = HTTPConnection(
            serverContext: serverContext, meter: InboundTrafficMeter(),
            executor: serverContext.executors.executor(for: stream.eventLoop), transport: transport, wire: .http2Stream)
        try stream.pipeline.syncOperations.addHandler(connection)
    }

    /// How a bound listener reports its address: `127.0.0.1:8080`, `[::1]:8080` or `unix:/path`.
    static func describe(_ channel: any Channel, fallback: String) -> String {
        guard let local = channel.localAddress else { return fallback }
        switch local {
        case .v4: return "\(local.ipAddress ?? ""):\(local.port ?? 0)"
        case .v6: return "[\(local.ipAddress ?? "")]:\(local.port ?? 0)"
        case .unixDomainSocket: return "unix:\(local.pathname ?? "")"
        }
    }
}
