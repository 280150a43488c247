import NIOCore
import NIOPosix
import NIOSSL

/// A TLS client with a plain TCP front, for tests that speak raw bytes (`RawClient`, `RawSocket`): each
/// connection accepted on 127.0.0.1:`port` gets a TLS connection of its own to the server (trusting the
/// fixture CA, server name `localhost`), and the bytes are copied both ways as they come, with
/// backpressure: a side that does not read stops the relay reading from the other. When the server
/// closes, the client's connection closes after everything the server sent; when the client closes,
/// the TLS connection closes (with close_notify).
///
/// So every raw conformance scenario runs unchanged over TLS: the server sees a TLS connection, the
/// test reads exactly what the server decrypted and answered. The relay runs on NIO's event loops only
/// (never on Swift's cooperative pool, which other tests may keep busy), so it adds no timing of its own.
final class TLSRelay: Sendable {
    /// The plain port the tests connect to.
    let port: Int
    private let listener: any Channel

    private init(port: Int, listener: any Channel) {
        self.port = port
        self.listener = listener
    }

    /// Starts relaying from a free port on 127.0.0.1 to the TLS server on 127.0.0.1:`serverPort`,
    /// offering `applicationProtocols` by ALPN (`["h2"]` for HTTP/2; none by default).
    static func start(to serverPort: Int, applicationProtocols: [String] = []) async throws -> TLSRelay {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(Fixture.ca)
        configuration.applicationProtocols = applicationProtocols
        let context = try NIOSSLContext(configuration: configuration)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { client in
                // The client's bytes wait in its socket until the TLS connection is open.
                let (clientSide, serverSide) = RelayGlue.pair()
                let serverGlue = NIOLoopBound(serverSide, eventLoop: client.eventLoop)
                do {
                    try client.pipeline.syncOperations.addHandler(clientSide)
                } catch {
                    return client.eventLoop.makeFailedFuture(error)
                }
                return ClientBootstrap(group: client.eventLoop)
                    .channelInitializer { server in
                        server.eventLoop.makeCompletedFuture {
                            let tls = try NIOSSLClientHandler(context: context, serverHostname: "localhost")
                            try server.pipeline.syncOperations.addHandlers(tls, serverGlue.value)
                        }
                    }
                    .connect(host: "127.0.0.1", port: serverPort)
                    .map { _ in }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TLSRelay(port: listener.localAddress!.port!, listener: listener)
    }

    /// Stops accepting; relayed connections end with their server's.
    func stop() async {
        try? await listener.close()
    }
}

/// One side of a relayed connection (NIO's "glue handler"): what it reads is written to its partner's
/// channel, it reads only while the partner's channel is writable, and when its channel closes the
/// partner's closes too, once the partner's last write is out. Both sides live on one event loop.
private final class RelayGlue: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: RelayGlue?
    private var context: ChannelHandlerContext?
    /// A read was asked for while the partner could take no more.
    private var readPending = false
    /// The last write relayed into this side's channel, which a close waits for.
    private var lastWrite: EventLoopFuture<Void>?

    /// Two sides that relay to each other.
    static func pair() -> (RelayGlue, RelayGlue) {
        let one = RelayGlue()
        let other = RelayGlue()
        one.partner = other
        other.partner = one
        return (one, other)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.relay(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.context?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.closeAfterWrites()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        partner?.closeAfterWrites()
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let partner, partner.readPending {
            partner.readPending = false
            partner.context?.read()
        }
    }

    func read(context: ChannelHandlerContext) {
        if partner?.context?.channel.isWritable ?? false {
            context.read()
        } else {
            readPending = true
        }
    }

    /// Writes `bytes` (from the partner) into this side's channel.
    private func relay(_ bytes: ByteBuffer) {
        guard let context else { return }
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.write(wrapOutboundOut(bytes), promise: promise)
        lastWrite = promise.futureResult
    }

    /// Closes this side's channel once what was relayed into it is written.
    private func closeAfterWrites() {
        guard let context else { return }
        context.flush()
        guard let lastWrite else {
            context.close(promise: nil)
            return
        }
        lastWrite.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
