import NIOCore
import NIOWebSocket

/// Feeds the socket's bytes to NIOWebSocket's `WebSocketFrameDecoder`, which parses them and passes
/// each whole frame on (to `WebSocketProtocolHandler`); keeps the bytes of a frame not complete yet.
///
/// In place of NIO's `ByteToMessageHandler(WebSocketFrameDecoder())`: that one is generic and not
/// inlinable, so it ran unspecialized across the module boundary (metadata look-ups, dynamic casts,
/// its general re-entrancy and removal machinery), about 3,000 instructions per echoed message under
/// `Benchmarks/scripts/ws-callgrind.sh`. The parsing stays NIOWebSocket's; this only drives it.
///
/// | state | bytes that arrive | leaves by |
/// |---|---|---|
/// | `idle` | are decoded now, with the kept ones before them | bytes arriving |
/// | `decoding` | (re-entrantly, while a frame is handled) are kept, decoded once the current bytes are done | the decoder needing more bytes |
/// | `failed` | are reported as `ByteToMessageDecoderError.dataReceivedInErrorState`, as NIO's handler does | – (the decoder threw: the connection is failing) |
///
/// Touched on the event loop only, one access at a time: the stored properties skip Swift's
/// dynamic exclusivity checks (`@exclusivity(unchecked)`).
final class WebSocketFrameReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = WebSocketFrame

    /// Where the reader stands (see the table above).
    enum State {
        case idle
        case decoding
        case failed(any Error)
    }

    private let decoder: WebSocketFrameDecoder
    @exclusivity(unchecked) private var state = State.idle
    /// Bytes of a frame not complete yet, and bytes that arrived while decoding.
    @exclusivity(unchecked) private var kept: ByteBuffer?

    init(maxFrameSize: Int) {
        self.decoder = WebSocketFrameDecoder(maxFrameSize: maxFrameSize)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        switch state {
        case .failed(let error):
            context.fireErrorCaught(ByteToMessageDecoderError.dataReceivedInErrorState(error, bytes))
        case .decoding:
            keep(&bytes)
        case .idle:
            if kept != nil {
                keep(&bytes)
                bytes = kept.take()!
            }
            decode(&bytes, context: context)
        }
    }

    /// Appends `bytes` to those kept.
    private func keep(_ bytes: inout ByteBuffer) {
        if kept == nil {
            kept = bytes
        } else {
            kept!.writeBuffer(&bytes)
        }
    }

    /// Passes on every whole frame in `bytes` (and in what arrives meanwhile), keeping the rest.
    private func decode(_ bytes: inout ByteBuffer, context: ChannelHandlerContext) {
        state = .decoding
        do {
            while true {
                while bytes.readableBytes > 0, try decoder.decode(context: context, buffer: &bytes) == .continue {}
                guard var arrived = kept.take() else { break }  // bytes that arrived re-entrantly
                bytes.writeBuffer(&arrived)
            }
        } catch {
            state = .failed(error)
            kept = nil
            context.fireErrorCaught(error)
            return
        }
        state = .idle
        if bytes.readableBytes > 0 { kept = bytes }
    }
}
