import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Sits after the TLS handler until the handshake is over: turns a failed handshake into one debug line
/// and a close (the HTTP connection behind it never hears of it), or records the session in
/// `TLSConnectionDetails` when the handshake completes and then leaves the pipeline, so that the
/// requests' reads and errors go straight to HTTP (one handler fewer on every read).
final class TLSSessionObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let tls: NIOSSLServerHandler
    private let details: TLSConnectionDetails
    private let logger: Logger

    init(tls: NIOSSLServerHandler, details: TLSConnectionDetails, logger: Logger) {
        self.tls = tls
        self.details = details
        self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .handshakeCompleted(let alpn)? = event as? TLSUserEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let certificate = tls.peerCertificate.map {
            TLSClientCertificate(certificate: $0, validatedChain: tls.peerValidatedCertificateChain.map(Array.init))
        }
        details.handshakeCompleted(version: tls.tlsVersion, applicationProtocol: alpn, clientCertificate: certificate)
        context.fireUserInboundEventTriggered(event)
        // What follows the handshake is the HTTP connection's: reads, errors and events go to it directly.
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// Before the handshake completed (afterwards this handler is gone): the handshake failed.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let peer = context.channel.remoteAddress.map { "\($0)" } ?? "?"
        logger.debug("TLS handshake failed: \(error)", metadata: ["client": "\(peer)"])
        context.close(promise: nil)
    }
}
