import Logging
import NIOCore

/// The first handler of a connection on a listener that expects the PROXY protocol: reads the header
/// (v1 or v2) before anything else, within the request timeout and `ProxyProtocolParser`'s size bounds,
/// then passes every later byte on untouched. A connection that starts with anything else, sends a
/// malformed header, or sends none in time is closed.
///
/// It stays in the pipeline afterwards: requests read the header from it (`ClientOrigins`).
final class ProxyProtocolHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Where the connection stands.
    enum State {
        /// No complete header yet: the bytes so far.
        case awaitingHeader(ByteBuffer?)
        /// The header was read; bytes pass through.
        case passing(ProxyProtocolHeader)
        /// The header was bad or late: the connection is closing and what arrives is dropped.
        case rejected
    }

    private(set) var state = State.awaitingHeader(nil)
    private let timeLimit: TimeAmount
    private let logger: Logger
    private var timer: Scheduled<Void>?

    init(timeLimit: TimeAmount, logger: Logger) {
        self.timeLimit = timeLimit
        self.logger = logger
    }

    /// The header, once read.
    var header: ProxyProtocolHeader? {
        if case .passing(let header) = state { return header }
        return nil
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startTimer(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        startTimer(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .passing:
            context.fireChannelRead(data)
        case .rejected:
            return
        case .awaitingHeader(var buffered):
            var bytes = unwrapInboundIn(data)
            if buffered == nil {
                buffered = bytes
            } else {
                buffered!.writeBuffer(&bytes)
            }
            let outcome = buffered!.withUnsafeReadableBytes { ProxyProtocolParser.parse($0) }
            switch outcome {
            case .incomplete:
                state = .awaitingHeader(buffered)
            case .header(let header, let length):
                timer?.cancel()
                timer = nil
                state = .passing(header)
                buffered!.moveReaderIndex(forwardBy: length)
                if buffered!.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(buffered!)) }
            case .invalid(let reason):
                reject(context: context, reason: reason)
            }
        }
    }

    private func startTimer(context: ChannelHandlerContext) {
        guard timer == nil, case .awaitingHeader = state else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeLimit) {
            let (handler, context) = loopBound.value
            guard case .awaitingHeader = handler.state else { return }
            handler.reject(context: context, reason: "no PROXY header within the request timeout")
        }
    }

    private func reject(context: ChannelHandlerContext, reason: String) {
        state = .rejected
        timer?.cancel()
        timer = nil
        logger.debug(
            "PROXY header rejected, connection closed",
            metadata: ["reason": "\(reason)", "peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")"])
        context.close(promise: nil)
    }
}
