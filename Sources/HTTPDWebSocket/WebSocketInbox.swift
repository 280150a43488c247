import HTTPD
import NIOCore

/// Where the handler's task meets the connection: the client's messages the handler has not taken
/// yet, handed to `next()` one by one, and the sends waiting for the client to read.
/// `WebSocketProtocolHandler`, the last handler of the pipeline, fills it directly (no pipeline hop,
/// no `NIOAny` per message); everything happens on the connection's event loop (the handler's task
/// usually runs there too, so taking a waiting message costs no hop and no lock).
///
/// In place of `NIOAsyncChannel`, whose generic producer and writer looked up type metadata, took
/// locks and registered cancellation handlers for every message (66,000 instructions per echoed
/// message under `Benchmarks/scripts/ws-callgrind.sh`).
///
/// Its stored properties skip Swift's dynamic exclusivity checks (`@exclusivity(unchecked)`): they
/// are touched on the event loop only, one access at a time.
///
/// Backpressure: while `highWater` messages wait, the socket is not read; it is read again once the
/// handler has taken all but `lowWater`. A send waits (`waitForWritability`) while the channel is
/// not writable.
final class WebSocketInbox: @unchecked Sendable {
    /// Messages waiting at which the socket stops being read, and at which it is read again.
    static let highWater = 8
    static let lowWater = 2

    let eventLoop: any EventLoop
    /// The protocol handler's context, to read the socket again once the handler has taken enough;
    /// nil once it left the pipeline.
    @exclusivity(unchecked) var reader: ChannelHandlerContext?
    @exclusivity(unchecked) private var waiting = CircularBuffer<WebSocketMessage>(initialCapacity: 4)
    /// The handler's task, waiting in `next()` for a message.
    @exclusivity(unchecked) private var waiter: UnsafeContinuation<WebSocketMessage?, Never>?
    /// No more messages will arrive (the client's close, a failure, the socket closed).
    @exclusivity(unchecked) private var ended = false
    /// NIO asked to read while too many messages waited.
    @exclusivity(unchecked) private var readHeld = false
    /// Sends waiting for the channel to become writable.
    @exclusivity(unchecked) private var writabilityWaiters: [EventLoopPromise<Void>] = []

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    // MARK: From the connection

    /// A whole message from the client: to the waiting `next()`, or queued.
    func receive(_ message: WebSocketMessage) {
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: message)
        } else if !ended {
            waiting.append(message)
        }
    }

    /// Whether NIO may read the socket now; if not, it is read again once the handler has taken
    /// enough messages.
    func mayRead() -> Bool {
        guard waiting.count >= Self.highWater else { return true }
        readHeld = true
        return false
    }

    /// No more messages: a waiting `next()` gets nil (after those already waiting), sends waiting for
    /// writability fail.
    func end() {
        ended = true
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: nil)
        }
        releaseWriters(failing: true)
    }

    /// Lets the sends waiting for writability go on (the channel is writable again), or fails them.
    func releaseWriters(failing: Bool) {
        let waiters = writabilityWaiters
        writabilityWaiters = []
        for waiter in waiters {
            if failing { waiter.fail(HTTPDError.connectionClosed) } else { waiter.succeed() }
        }
    }

    /// A future that completes when the channel is writable again (or fails when it closes).
    func waitForWritability() -> EventLoopFuture<Void> {
        let waiter = eventLoop.makePromise(of: Void.self)
        writabilityWaiters.append(waiter)
        return waiter.futureResult
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
        if readHeld, waiting.count <= Self.lowWater, let reader {
            readHeld = false
            reader.read()
        }
        return message
    }
}
