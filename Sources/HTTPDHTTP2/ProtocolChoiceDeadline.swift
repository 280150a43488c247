import NIOCore

/// Closes a connection that has not shown which protocol it speaks (finished its TLS handshake, or sent
/// enough bytes to tell HTTP/2's preface from HTTP/1.1) within the request timeout. Once the protocol
/// is chosen, that protocol's own timeouts take over and this handler leaves the pipeline.
final class ProtocolChoiceDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    /// The protocol is chosen: the deadline no longer applies. On the event loop.
    func protocolChosen() {
        timer?.cancel()
        timer = nil
        if let context { context.pipeline.syncOperations.removeHandler(context: context, promise: nil) }
    }
}
