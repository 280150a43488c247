import NIOCore

/// The first handler of a connection on an h2c listener: reads until the bytes either differ from
/// HTTP/2's connection preface (HTTP/1.1, usually at the first byte) or match all of it (HTTP/2 with
/// prior knowledge), has `choose` set the connection up for that protocol, hands it the bytes read so
/// far and leaves the pipeline.
final class HTTP2PrefaceDetector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// RFC 9113 §3.4: what a client speaking HTTP/2 sends first.
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    /// Sets the connection up: `isHTTP2` true for HTTP/2, false for HTTP/1.1.
    private let choose: (_ isHTTP2: Bool, _ channel: any Channel) throws -> Void
    private var received: ByteBuffer?

    init(choose: @escaping (_ isHTTP2: Bool, _ channel: any Channel) throws -> Void) {
        self.choose = choose
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if received == nil {
            received = bytes
        } else {
            received!.writeBuffer(&bytes)
        }
        let seen = received!.readableBytesView
        let count = min(seen.count, Self.preface.count)
        if !seen.prefix(count).elementsEqual(Self.preface.prefix(count)) {
            decide(isHTTP2: false, context: context)
        } else if count == Self.preface.count {
            decide(isHTTP2: true, context: context)
        }
    }

    private func decide(isHTTP2: Bool, context: ChannelHandlerContext) {
        do {
            try choose(isHTTP2, context.channel)
        } catch {
            context.close(promise: nil)
            return
        }
        let bytes = received!
        received = nil
        context.fireChannelRead(wrapInboundOut(bytes))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
