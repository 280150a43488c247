import HTTPD
import NIOCore
import NIOWebSocket

/// What the handler's side asks the connection to send.
enum WebSocketOutbound: Sendable {
    /// A whole message, as one frame.
    case message(WebSocketMessage)
    /// Start the closing handshake with `code` and `reason`.
    case close(WebSocketCloseCode, reason: String)
}

/// Applies RFC 6455's rules to one connection, between NIOWebSocket's frame codec and the handler's
/// messages: client frames must be masked and use no reserved bits or opcodes (else 1002), fragments
/// are reassembled into messages no larger than the maximum (else 1009), text must be UTF-8 (else
/// 1007), pings are answered with pongs, closes are echoed; a quiet client is pinged and dropped when
/// it stops answering; a client that does not read for the send timeout is dropped.
///
/// It is the last handler of the pipeline: whole messages go straight into its `inbox`, and the
/// handler's task sends through `send(_:)` (no further handler, no `NIOAny` box and cast, per message).
/// Its state is touched on the event loop only (`send` goes there first), one access at a time, so
/// the hot stored properties skip Swift's dynamic exclusivity checks (`@exclusivity(unchecked)`).
///
/// | phase | reads | sends | leaves by |
/// |---|---|---|---|
/// | `open` | messages go to the handler | messages, pongs, pings | a close from either side, a broken rule, `stop()` |
/// | `closing` | only the client's close | nothing | the client's close, or `closeTimeout` |
/// | `closed` | nothing | nothing | – (the socket closes: once the answer to a close is out; after a failure, the write side first, the rest within `closeTimeout`) |
final class WebSocketProtocolHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = Never
    typealias OutboundOut = WebSocketFrame

    /// Where the connection stands.
    enum Phase {
        /// Messages flow both ways.
        case open
        /// The server sent its close frame and waits for the client's (at most `closeTimeout`).
        case closing
        /// Both close frames were exchanged, or the connection failed: the socket is closing.
        case closed
    }

    /// A message being reassembled from its fragments.
    struct PartialMessage {
        var isText: Bool
        var bytes: ByteBuffer
    }

    let maxMessageSize: Int
    let pingInterval: TimeAmount?
    let closeTimeout: TimeAmount
    let sendTimeout: TimeAmount
    /// The messages on their way to the handler's task.
    let inbox: WebSocketInbox

    @exclusivity(unchecked) private(set) var phase = Phase.open
    @exclusivity(unchecked) private var partial: PartialMessage?
    /// Something arrived since the last ping tick.
    @exclusivity(unchecked) private var heardSinceTick = false
    /// A ping went out and nothing arrived since.
    @exclusivity(unchecked) private var awaitingPong = false
    /// Where sends go; nil once the handler left the pipeline.
    @exclusivity(unchecked) private var context: ChannelHandlerContext?
    /// The channel and its allocator, kept for sends (asking the context each time costs a pipeline
    /// look-up and a protocol witness per message).
    @exclusivity(unchecked) private var channel: (any Channel)?
    @exclusivity(unchecked) private var allocator = ByteBufferAllocator()
    private var pingTask: RepeatedTask?
    /// Closes the socket when the client does not answer a close frame, or lingers after ours.
    private var closeTimer: Scheduled<Void>?
    /// Closes the socket when the client reads nothing for the send timeout.
    private var stallTimer: Scheduled<Void>?

    init(options: WebSocketOptions, sendTimeout: Duration, eventLoop: any EventLoop) {
        self.inbox = WebSocketInbox(eventLoop: eventLoop)
        self.maxMessageSize = options.maxMessageSize
        self.pingInterval = options.pingInterval.map(Self.timeAmount)
        self.closeTimeout = Self.timeAmount(options.closeTimeout)
        self.sendTimeout = Self.timeAmount(sendTimeout)
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    // MARK: Life

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        channel = context.channel
        allocator = context.channel.allocator
        inbox.reader = context
        if !context.channel.isActive { phase = .closed }
        guard let pingInterval else { return }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        pingTask = context.eventLoop.scheduleRepeatedTask(initialDelay: pingInterval, delay: pingInterval) { _ in
            let (handler, context) = bound.value
            handler.pingTick(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimers()
        inbox.end()
        inbox.reader = nil
        self.context = nil
        channel = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        phase = .closed
        stopTimers()
        inbox.end()
        context.fireChannelInactive()
    }

    /// NIO reads the socket only while the handler's task keeps up (`WebSocketInbox.mayRead`).
    func read(context: ChannelHandlerContext) {
        if inbox.mayRead() { context.read() }
    }

    private func stopTimers() {
        pingTask?.cancel()
        pingTask = nil
        closeTimer?.cancel()
        closeTimer = nil
        stallTimer?.cancel()
        stallTimer = nil
    }

    // MARK: Frames from the client

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        heardSinceTick = true
        awaitingPong = false
        guard phase != .closed else { return }
        guard frame.reservedBits.isEmpty else { return fail(.protocolError, context: context) }  // no extension agreed
        guard frame.maskKey != nil else { return fail(.protocolError, context: context) }  // RFC 6455 §5.1
        let data = frame.unmaskedData
        switch frame.opcode {
        case .connectionClose:
            receiveClose(data, context: context)
        case .ping:
            if phase == .open {
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: data)), promise: nil)
            }
        case .pong:
            break  // what counts is that something arrived
        case .text, .binary:
            guard phase == .open else { return }  // closing: only the client's close matters
            guard partial == nil else { return fail(.protocolError, context: context) }  // a message inside a message
            partial = PartialMessage(isText: frame.opcode == .text, bytes: data)
            continueMessage(fin: frame.fin, context: context)
        case .continuation:
            guard phase == .open else { return }
            guard var message = partial else { return fail(.protocolError, context: context) }  // nothing to continue
            guard message.bytes.readableBytes + data.readableBytes <= maxMessageSize else {
                return fail(.messageTooBig, context: context)
            }
            partial = nil  // one copy of the bytes while appending
            var more = data
            message.bytes.writeBuffer(&more)
            partial = message
            continueMessage(fin: frame.fin, context: context)
        default:
            fail(.protocolError, context: context)  // a reserved opcode
        }
    }

    /// Delivers the message being assembled once its last fragment arrived.
    private func continueMessage(fin: Bool, context: ChannelHandlerContext) {
        guard let message = partial else { return }
        guard message.bytes.readableBytes <= maxMessageSize else { return fail(.messageTooBig, context: context) }
        guard fin else { return }
        partial = nil
        if message.isText {
            guard let text = Self.utf8String(message.bytes) else {
                return fail(.invalidPayload, context: context)
            }
            inbox.receive(.text(text))
        } else {
            inbox.receive(.binary(Array(message.bytes.readableBytesView)))
        }
    }

    /// `bytes` as a string, or nil when they are not UTF-8. Through `UTF8Span` (validated in one pass
    /// over contiguous bytes) where the standard library has it: `String(validating:as:)` is generic
    /// over the encoding and looked up type metadata for every message.
    private static func utf8String(_ bytes: ByteBuffer) -> String? {
        if #available(macOS 26, *) {
            guard let span = try? UTF8Span(validating: bytes.readableBytesUInt8Span) else { return nil }
            return String(copying: span)
        }
        return String(validating: bytes.readableBytesView, as: UTF8.self)
    }

    /// The client's close frame: answered with its code (the closing handshake), or the answer to ours.
    private func receiveClose(_ payload: ByteBuffer, context: ChannelHandlerContext) {
        var payload = payload
        var code: WebSocketCloseCode?
        if payload.readableBytes > 0 {
            guard let number = payload.readInteger(as: UInt16.self) else { return fail(.protocolError, context: context) }
            code = WebSocketCloseCode(rawValue: number)
            guard code!.mayBeSentByPeer else { return fail(.protocolError, context: context) }
            guard Self.utf8String(payload) != nil else {
                return fail(.invalidPayload, context: context)
            }
        }
        switch phase {
        case .open:
            // The closing handshake: the same code back, then the socket closes (the server first,
            // RFC 6455 §7.1.1), once the frame is out.
            phase = .closed
            endMessages()
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(closeFrame(code, reason: "", allocator: context.channel.allocator)), promise: written)
            let channel = context.channel
            written.futureResult.whenComplete { _ in channel.close(promise: nil) }
            armCloseTimer(context: context)
        case .closing:
            phase = .closed
            context.close(promise: nil)
        case .closed:
            break
        }
    }

    /// Ends the handler's message sequence now, before the socket has closed.
    private func endMessages() {
        partial = nil
        inbox.end()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error as? NIOWebSocketError {
        case .invalidFrameLength?: fail(.messageTooBig, context: context)
        case .some: fail(.protocolError, context: context)  // a control frame fragmented or over 125 bytes
        case nil: context.close(promise: nil)
        }
    }

    /// Fails the connection (RFC 6455 §7.1.7): a close frame with `code`, unless one went out already,
    /// then the socket closes.
    private func fail(_ code: WebSocketCloseCode, context: ChannelHandlerContext) {
        switch phase {
        case .open:
            phase = .closed
            sendCloseThenShutdown(code, reason: "", context: context)
        case .closing:
            phase = .closed
            context.close(promise: nil)
        case .closed:
            break
        }
    }

    /// Sends a close frame, shuts the write side once it is out, and closes the rest when the client
    /// closes or `closeTimeout` passes (closing at once could reset the connection, losing the frame,
    /// while the client is still sending).
    private func sendCloseThenShutdown(_ code: WebSocketCloseCode?, reason: String, context: ChannelHandlerContext) {
        endMessages()
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(closeFrame(code, reason: reason, allocator: context.channel.allocator)), promise: written)
        let channel = context.channel
        written.futureResult.whenComplete { _ in channel.close(mode: .output, promise: nil) }
        armCloseTimer(context: context)
    }

    private func armCloseTimer(context: ChannelHandlerContext) {
        closeTimer?.cancel()
        let channel = context.channel
        closeTimer = context.eventLoop.scheduleTask(in: closeTimeout) { channel.close(promise: nil) }
    }

    private func closeFrame(_ code: WebSocketCloseCode?, reason: String, allocator: ByteBufferAllocator) -> WebSocketFrame {
        var payload = allocator.buffer(capacity: 2 + reason.utf8.count)
        if let code {
            payload.writeInteger(code.rawValue)
            payload.writeString(reason)
        }
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
    }

    // MARK: What the handler's task sends

    /// Writes `outbound` and flushes, on the event loop (hopping there when called elsewhere; runs
    /// where its caller runs otherwise); waits while the channel is not writable. Throws
    /// `connectionClosed` for a message once the connection is closing or closed.
    nonisolated(nonsending) func send(_ outbound: WebSocketOutbound) async throws {
        let loop = inbox.eventLoop
        if loop.inEventLoop {
            if let backpressure = try sendOnLoop(outbound) { try await backpressure.get() }
            return
        }
        let backpressure = try await loop.submit { try self.sendOnLoop(outbound) }.get()
        try await backpressure?.get()
    }

    /// `send` on the loop: nil when the channel is still writable, else when it is again.
    private func sendOnLoop(_ outbound: WebSocketOutbound) throws(HTTPDError) -> EventLoopFuture<Void>? {
        guard let context, let channel else { throw .connectionClosed }
        switch outbound {
        case .message(let message):
            guard phase == .open else { throw .connectionClosed }
            let frame: WebSocketFrame
            switch message {
            case .text(let text):
                frame = WebSocketFrame(fin: true, opcode: .text, data: allocator.buffer(string: text))
            case .binary(let bytes):
                frame = WebSocketFrame(fin: true, opcode: .binary, data: allocator.buffer(bytes: bytes))
            }
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        case .close(let code, let reason):
            startClosing(code, reason: reason, context: context)
        }
        return channel.isWritable ? nil : inbox.waitForWritability()
    }

    /// The server's side of the closing handshake: a close frame, then the client's answer within `closeTimeout`.
    private func startClosing(_ code: WebSocketCloseCode, reason: String, context: ChannelHandlerContext) {
        guard phase == .open else { return }
        phase = .closing
        partial = nil
        context.writeAndFlush(wrapOutboundOut(closeFrame(code, reason: reason, allocator: context.channel.allocator)), promise: nil)
        armCloseTimer(context: context)
    }

    /// `stop()` closes every connection: a WebSocket still open says so with 1001 first.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if phase == .open, mode == .all, context.channel.isActive {
            phase = .closed
            context.writeAndFlush(
                wrapOutboundOut(closeFrame(.goingAway, reason: "server stopping", allocator: context.channel.allocator)),
                promise: nil)
        }
        context.close(mode: mode, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ServerStoppingEvent {
            startClosing(.goingAway, reason: "server stopping", context: context)
        } else if case .inputClosed? = event as? ChannelEvent {
            // The client shut its side without a close frame (the server allows half-closure for
            // HTTP): a WebSocket closed abnormally (RFC 6455 §7.1.5), so the connection closes and a
            // send throws connectionClosed.
            phase = .closed
            inbox.end()
            context.fireUserInboundEventTriggered(event)
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    // MARK: Liveness

    /// On each ping interval: a connection that was quiet is pinged; one still quiet since that ping
    /// is dropped.
    private func pingTick(context: ChannelHandlerContext) {
        guard phase == .open else { return }
        if heardSinceTick {
            heardSinceTick = false
            return
        }
        if awaitingPong {
            fail(.goingAway, context: context)
            return
        }
        awaitingPong = true
        var payload = context.channel.allocator.buffer(capacity: 8)
        payload.writeInteger(UInt64.random(in: .min ... .max))
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: payload)), promise: nil)
    }

    /// A client that leaves the channel unwritable (it reads nothing) for the send timeout is dropped.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            inbox.releaseWriters(failing: false)
            stallTimer?.cancel()
            stallTimer = nil
        } else if stallTimer == nil {
            let channel = context.channel
            stallTimer = context.eventLoop.scheduleTask(in: sendTimeout) { channel.close(promise: nil) }
        }
        context.fireChannelWritabilityChanged()
    }
}
