import NIOCore

/// Sits before the HTTP decoder and watches the raw bytes a connection receives: how many arrived
/// (so an idle keep-alive connection is closed quietly but a trickled request head gets 408), how long
/// the first line is (so an over-long request line gets 414, not 431), and it drops everything once
/// the connection is closing (closing it outright once too much was dropped). Its byte count also
/// bounds the framing of a chunked body (`HTTPConnection.checkChunkFraming`).
final class InboundTrafficMeter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Bytes received since the last `mark()`.
    @exclusivity(unchecked) private(set) var bytesSinceMark = 0
    /// The length of the first line received since the last `mark()`, so far.
    @exclusivity(unchecked) private(set) var firstLineLength = 0
    /// The last bytes of that line, up to 16 (its version, for a request line); kept inline, no allocation.
    @exclusivity(unchecked) private var tail = (UInt64(0), UInt64(0))
    @exclusivity(unchecked) private var tailCount = 0
    @exclusivity(unchecked) private var firstLineEnded = false
    /// Whether that line starts with `HEAD ` (a request the decoder refuses still gets no body then).
    @exclusivity(unchecked) private(set) var firstLineIsHEAD = false
    /// Whether received bytes are thrown away instead of decoded (a lingering close).
    @exclusivity(unchecked) private(set) var discardsInput = false
    /// How many more bytes may be thrown away before the connection is closed outright.
    @exclusivity(unchecked) private var discardAllowance = 0
    /// The client shut its sending side (NIO's `inputClosed`, seen here before the decoder complains
    /// about a request it cut short).
    @exclusivity(unchecked) private(set) var inputClosed = false

    /// Starts watching again from zero.
    func mark() {
        bytesSinceMark = 0
        firstLineLength = 0
        firstLineEnded = false
        firstLineIsHEAD = false
        tailCount = 0
    }

    /// From now on, throws received bytes away instead of decoding them, and closes the connection
    /// once more than `limit` bytes were thrown away (a client that never stops sending).
    func discard(upTo limit: Int) {
        discardsInput = true
        discardAllowance = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        bytesSinceMark &+= bytes.readableBytes
        if discardsInput {
            discardAllowance -= bytes.readableBytes
            if discardAllowance < 0 { context.close(promise: nil) }
            return
        }
        if !firstLineEnded {
            bytes.withUnsafeReadableBytes { raw in
                let lineEnd = raw.firstIndex(of: UInt8(ascii: "\n"))
                let line = UnsafeRawBufferPointer(rebasing: raw[..<(lineEnd ?? raw.endIndex)])
                if firstLineLength == 0 { firstLineIsHEAD = line.starts(with: "HEAD ".utf8) }
                firstLineLength &+= line.count
                keepTail(of: line)
                firstLineEnded = lineEnd != nil
            }
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent { inputClosed = true }
        context.fireUserInboundEventTriggered(event)
    }

    /// The last bytes of the first line (at most 16).
    var firstLineTail: [UInt8] {
        withUnsafeBytes(of: tail) { Array($0[(16 - tailCount)...]) }
    }

    private func keepTail(of line: UnsafeRawBufferPointer) {
        let incoming = min(line.count, 16)
        guard incoming > 0 else { return }
        let kept = min(tailCount, 16 - incoming)
        withUnsafeMutableBytes(of: &tail) { storage in
            // Slide the kept bytes to the front of the last `kept + incoming`, then append the new ones.
            if kept > 0 {
                storage.baseAddress!.advanced(by: 16 - incoming - kept)
                    .copyMemory(from: storage.baseAddress!.advanced(by: 16 - kept), byteCount: kept)
            }
            storage.baseAddress!.advanced(by: 16 - incoming)
                .copyMemory(from: line.baseAddress!.advanced(by: line.count - incoming), byteCount: incoming)
        }
        tailCount = kept + incoming
    }
}
