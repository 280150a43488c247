import NIOCore

/// Makes sure a connection whose server said GOAWAY actually ends, bounded in time. It sits below
/// NIOHTTP2's handler (on the socket's, or TLS's, side) and follows the frames written
/// (`OutboundGoAwayScanner`):
///
/// - A GOAWAY with an error code (NIOHTTP2's answer to a connection error: a flood, a bad frame, an
///   HPACK error) is followed by no more reading: what the client still sends is discarded, not decoded;
///   once the GOAWAY is written the sending side closes (the client reads it, then end of stream), and
///   the connection closes when the client closes or after `lingerTime`. (NIOHTTP2 reports the error
///   and leaves closing to the pipeline.)
/// - The first GOAWAY of a graceful close (idle timeout, server stop: NO_ERROR, last stream id the
///   maximum, with a PING) needs the client's PING acknowledgement before NIOHTTP2's connection manager
///   goes on; a client that never answers is closed after `acknowledgementTimeout`.
final class GoAwayCloser: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// How long a connection that sent an error GOAWAY waits for the client to close first.
    static let lingerTime = TimeAmount.seconds(2)

    /// Where the connection is in ending.
    private enum State {
        /// Serving; no GOAWAY sent yet, or a graceful close's second GOAWAY is out (the manager closes).
        case open
        /// A graceful close's first GOAWAY is out; the client must acknowledge its PING by `timer`.
        case awaitingAcknowledgement(timer: Scheduled<Void>)
        /// An error GOAWAY was sent: input is discarded until the connection closes.
        case failing
    }

    private let acknowledgementTimeout: TimeAmount
    private var scanner = OutboundGoAwayScanner()
    private var state = State.open
    private var lingerTimer: Scheduled<Void>?

    init(acknowledgementTimeout: TimeAmount) {
        self.acknowledgementTimeout = acknowledgementTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .failing = state { return }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .failing = state, case .inputClosed? = event as? ChannelEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let goAways: [OutboundGoAwayScanner.GoAway]
        switch unwrapOutboundIn(data) {
        case .byteBuffer(let bytes): goAways = scanner.scan(bytes)
        case .fileRegion(let region):
            scanner.skip(region.readableBytes)
            goAways = []
        }
        context.write(data, promise: promise)
        if !goAways.isEmpty { sent(goAways, context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if case .awaitingAcknowledgement(let timer) = state { timer.cancel() }
        lingerTimer?.cancel()
        lingerTimer = nil
    }

    /// The GOAWAYs just written (not yet flushed).
    private func sent(_ goAways: [OutboundGoAwayScanner.GoAway], context: ChannelHandlerContext) {
        for goAway in goAways {
            if case .failing = state { return }
            if goAway.errorCode != 0 {
                fail(context: context)
                return
            }
            if goAway.lastStreamID == 0x7fff_ffff {
                guard case .open = state else { continue }
                let channel = context.channel
                state = .awaitingAcknowledgement(
                    timer: context.eventLoop.scheduleTask(in: acknowledgementTimeout) { channel.close(promise: nil) })
            } else if case .awaitingAcknowledgement(let timer) = state {
                timer.cancel()
                state = .open
            }
        }
    }

    /// After an error GOAWAY: no more input; the sending side closes once the GOAWAY is out (NIOHTTP2
    /// flushes it right after writing), the connection when the client closes or the linger ends.
    private func fail(context: ChannelHandlerContext) {
        if case .awaitingAcknowledgement(let timer) = state { timer.cancel() }
        state = .failing
        let channel = context.channel
        lingerTimer = context.eventLoop.scheduleTask(in: Self.lingerTime) { channel.close(promise: nil) }
        let flushed = context.eventLoop.makePromise(of: Void.self)
        context.write(wrapOutboundOut(.byteBuffer(ByteBuffer())), promise: flushed)
        flushed.futureResult.whenComplete { _ in
            channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
        }
    }
}
