import NIOCore

/// Sits before the HTTP decoder and counts the raw bytes a connection receives, so the connection
/// can tell an idle keep-alive connection (closed quietly) from one trickling a request head (408).
final class InboundTrafficMeter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Bytes received since the last `mark()`.
    private(set) var bytesSinceMark = 0

    /// Starts counting again from zero.
    func mark() {
        bytesSinceMark = 0
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        bytesSinceMark &+= unwrapInboundIn(data).readableBytes
        context.fireChannelRead(data)
    }
}
