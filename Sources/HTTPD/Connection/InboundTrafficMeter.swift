import NIOCore

/// Sits before the HTTP decoder and watches the raw bytes a connection receives: how many arrived
/// (so an idle keep-alive connection is closed quietly but a trickled request head gets 408), how long
/// the first line is (so an over-long request line gets 414, not 431), and it drops everything once
/// the connection is closing.
final class InboundTrafficMeter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Bytes received since the last `mark()`.
    private(set) var bytesSinceMark = 0
    /// The length of the first line received since the last `mark()`, so far.
    private(set) var firstLineLength = 0
    /// The last bytes of that line (its version, for a request line), up to `tailLength`.
    private(set) var firstLineTail: [UInt8] = []
    private static let tailLength = 10
    private var firstLineEnded = false
    /// Whether received bytes are thrown away instead of decoded (a lingering close).
    var discardsInput = false

    /// Starts watching again from zero.
    func mark() {
        bytesSinceMark = 0
        firstLineLength = 0
        firstLineEnded = false
        firstLineTail.removeAll(keepingCapacity: true)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        bytesSinceMark &+= bytes.readableBytes
        if discardsInput { return }
        if !firstLineEnded {
            let view = bytes.readableBytesView
            let lineEnd = view.firstIndex(of: UInt8(ascii: "\n"))
            let line = view[..<(lineEnd ?? view.endIndex)]
            firstLineLength &+= line.count
            firstLineTail += line.suffix(Self.tailLength)
            if firstLineTail.count > Self.tailLength { firstLineTail.removeFirst(firstLineTail.count - Self.tailLength) }
            firstLineEnded = lineEnd != nil
        }
        context.fireChannelRead(data)
    }
}
