import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Sits after the TLS handler: records the session in `TLSConnectionDetails` when the handshake
/// completes, and turns a failed handshake into one debug line and a close (the HTTP connection
/// behind it never hears of it).
final class TLSSessionObserver: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let tls: NIOSSLServerHandler
    private let details: TLSConnectionDetails
    private let logger: Logger
    private var handshakeDone = false

    init(tls: NIOSSLServerHandler, details: TLSConnectionDetails, logger: Logger) {
        self.tls = tls
        self.details = details
        self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted(let alpn)? = event as? TLSUserEvent {
            handshakeDone = true
            let certificate = tls.peerCertificate.map {
                TLSClientCertificate(certificate: $0, validatedChain: tls.peerValidatedCertificateChain.map(Array.init))
            }
            details.handshakeCompleted(version: tls.tlsVersion, applicationProtocol: alpn, clientCertificate: certificate)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !handshakeDone else {
            context.fireErrorCaught(error)
            return
        }
        let peer = context.channel.remoteAddress.map { "\($0)" } ?? "?"
        logger.debug("TLS handshake failed: \(error)", metadata: ["client": "\(peer)"])
        context.close(promise: nil)
    }
}
