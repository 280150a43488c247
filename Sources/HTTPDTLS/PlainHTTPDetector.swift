import Logging
import NIOCore

/// The first handler of a TLS connection: looks at the first byte. A TLS handshake record (0x16) goes on
/// to TLS, and this handler leaves. A letter is taken for plain HTTP sent to the HTTPS port: answered
/// `400` with a sentence that says so (as nginx does), then closed. Anything else is closed.
final class PlainHTTPDetector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What plain HTTP gets on a TLS port.
    static let answer =
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 66\r\nConnection: close\r\n\r\n"
        + "400 Bad Request: the plain HTTP request was sent to an HTTPS port\n"

    private let logger: Logger
    private var decided = false

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        guard !decided else { return }  // closing: what follows is dropped
        guard let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else { return }
        decided = true
        if first == 0x16 {
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        let peer = "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")"
        if first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z") {
            logger.debug("plain HTTP on a TLS port: answered 400", metadata: ["client": "\(peer)"])
            let answer = context.channel.allocator.buffer(string: Self.answer)
            context.writeAndFlush(wrapOutboundOut(answer)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        } else {
            logger.debug("not a TLS handshake (first byte \(first)): closed", metadata: ["client": "\(peer)"])
            context.close(promise: nil)
        }
    }
}
