import HTTPD
import NIOCore

/// The last handler of a WebSocket's pipeline: where the handler's task meets the connection. It keeps
/// the messages the handler has not taken yet and hands each to `next()`, and writes what `send`
/// gives it; everything on the connection's event loop (the handler's task usually runs there too,
/// so taking a waiting message or sending one costs no hop and no lock).
///
/// In place of `NIOAsyncChannel`, whose generic producer and writer looked up type metadata, took
/// locks and registered cancellation handlers for every message (66,000 instructions per echoed
/// message under `Benchmarks/scripts/ws-callgrind.sh`).
///
/// Its stored properties skip Swift's dynamic exclusivity checks (`@exclusivity(unchecked)`): they
/// are touched on the event loop only, one access at a time.
///
/// Backpressure: while `highWater` messages wait, the socket is not read; it is read again once the
/// handler has taken all but `lowWater`. `send` waits while the channel is not writable.
final class WebSocketInbox: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketMessage
    typealias OutboundIn = Never
    typealias OutboundOut = WebSocketOutbound

    /// Messages waiting at which the socket stops being read, and at which it is read again.
    static let highWater = 8
    static let lowWater = 2

    let eventLoop: any EventLoop
    /// The rules' handler, to ask whether messages may still be sent.
    private let protocolHandler: WebSocketProtocolHandler
    @exclusivity(unchecked) private var context: ChannelHandlerContext?
    @exclusivity(unchecked) private var waiting = CircularBuffer<WebSocketMessage>(initialCapacity: 4)
    /// The handler's task, waiting in `next()` for a message.
    @exclusivity(unchecked) private var waiter: UnsafeContinuation<WebSocketMessage?, Never>?
    /// No more messages will arrive (the client's close, a failure, the socket closed).
    @exclusivity(unchecked) private var ended = false
    /// NIO asked to read while too many messages waited.
    @exclusivity(unchecked) private var readHeld = false
    /// Sends waiting for the channel to become writable.
    @exclusivity(unchecked) private var writabilityWaiters: [EventLoopPromise<Void>] = []

    init(eventLoop: any EventLoop, protocolHandler: WebSocketProtocolHandler) {
        self.eventLoop = eventLoop
        self.protocolHandler = protocolHandler
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        end()
        self.context = nil
    }

    // MARK: From the connection

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: message)
        } else if !ended {
            waiting.append(message)
        }
    }

    func read(context: ChannelHandlerContext) {
        if waiting.count >= Self.highWater {
            readHeld = true
        } else {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent { end() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        end()
    }

    func channelInactive(context: ChannelHandlerContext) {
        end()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { releaseWriters(failing: false) }
        context.fireChannelWritabilityChanged()
    }

    /// No more messages: a waiting `next()` gets nil (after those already waiting), sends waiting for
    /// writability fail.
    private func end() {
        ended = true
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: nil)
        }
        releaseWriters(failing: true)
    }

    private func releaseWriters(failing: Bool) {
        let waiters = writabilityWaiters
        writabilityWaiters = []
        for waiter in waiters {
            if failing { waiter.fail(HTTPDError.connectionClosed) } else { waiter.succeed() }
        }
    }

    // MARK: From the handler's task

    /// The next message, nil once the connection is closing or closed. Runs where its caller runs
    /// (`nonisolated(nonsending)`: no hop to the global executor and back for every message); the
    /// continuation is unsafe (no checking object allocated per message) because `waiter` is resumed
    /// exactly once: by the next message or by `end()`, each clearing it.
    nonisolated(nonsending) func next() async -> WebSocketMessage? {
        if eventLoop.inEventLoop, let message = takeWaiting() { return message }
        return await withUnsafeContinuation { (continuation: UnsafeContinuation<WebSocketMessage?, Never>) in
            let loop = eventLoop
            if loop.inEventLoop {
                wait(continuation)
            } else {
                loop.execute { self.wait(continuation) }
            }
        }
    }

    private func wait(_ continuation: UnsafeContinuation<WebSocketMessage?, Never>) {
        if let message = takeWaiting() {
            continuation.resume(returning: message)
        } else if ended || waiter != nil {
            continuation.resume(returning: nil)  // a second iterator at once gets nothing
        } else {
            waiter = continuation
        }
    }

    /// The first waiting message, reading the socket again once few are left.
    private func takeWaiting() -> WebSocketMessage? {
        guard let message = waiting.popFirst() else { return nil }
        if readHeld, waiting.count <= Self.lowWater, let context {
            readHeld = false
            context.read()
        }
        return message
    }

    /// Writes `outbound` and flushes; waits while the channel is not writable. Throws
    /// `connectionClosed` when the connection is closing or closed. Runs where its caller runs.
    nonisolated(nonsending) func send(_ outbound: WebSocketOutbound) async throws {
        if eventLoop.inEventLoop {
            if let backpressure = try write(outbound) { try await backpressure.get() }
            return
        }
        let backpressure = try await eventLoop.submit { try self.write(outbound) }.get()
        try await backpressure?.get()
    }

    private func write(_ outbound: WebSocketOutbound) throws(HTTPDError) -> EventLoopFuture<Void>? {
        guard let context, context.channel.isActive else { throw .connectionClosed }
        if case .message = outbound, protocolHandler.phase != .open { throw .connectionClosed }
        context.writeAndFlush(wrapOutboundOut(outbound), promise: nil)
        guard context.channel.isWritable else {
            let waiter = eventLoop.makePromise(of: Void.self)
            writabilityWaiters.append(waiter)
            return waiter.futureResult
        }
        return nil
    }
}
