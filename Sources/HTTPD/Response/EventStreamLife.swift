import NIOCore
import Synchronization

/// One open event stream on its connection (`Exchange.eventStream`): its heartbeat, and how it ends
/// when the server does not wait for its handler to return.
///
/// The heartbeat is a comment written every interval by the event loop's shared heartbeat timer
/// (`EventStreamHeartbeats`: a stream costs no task nor timer of its own). The stream is ended early when a
/// heartbeat finds the client gone, or when the server stops gracefully (`HTTPConnection.beginDrain`):
/// the handler's task is cancelled (a body asleep between events wakes) and the next `send` throws.
///
/// | ending | set by | the next `send` throws | `eventStream` then |
/// |---|---|---|---|
/// | `open` | – | nothing | – |
/// | `clientGone` | a heartbeat's failed write | `HTTPDError.connectionClosed` | throws `connectionClosed` |
/// | `serverStopping` | `stop(gracePeriod:)` | `EventStreamError.serverStopping` | ends the response, returns |
final class EventStreamLife: @unchecked Sendable {
    /// Why the stream ended before its handler returned.
    enum Ending: UInt8, AtomicRepresentable {
        /// Not ended.
        case open
        /// A heartbeat found the client gone.
        case clientGone
        /// The server is stopping gracefully.
        case serverStopping
    }

    /// Set on the event loop, read by the handler's task anywhere.
    private let ending = Atomic<Ending>(.open)
    /// The heartbeat's interval while the stream beats; touched on the connection's event loop only
    /// (hence `@unchecked Sendable`).
    private var heartbeat: TimeAmount?

    /// The comment a heartbeat sends.
    private static let comment = EventStreamFormat.comment("heartbeat")

    /// Why the stream ended early, or `.open`.
    var endedBy: Ending {
        ending.load(ordering: .acquiring)
    }

    /// Attaches the stream to `exchange` and starts beating every `interval` (nil: no heartbeat).
    /// On the event loop. A connection already draining ends the stream at once.
    func start(on exchange: Exchange, heartbeat interval: Duration?) {
        exchange.eventStream = self
        if exchange.connection.isDraining {
            end(.serverStopping, of: exchange)
            return
        }
        guard let interval else { return }
        heartbeat = TimeAmount(interval)
        exchange.connection.executor.heartbeats.join(self, of: exchange, every: TimeAmount(interval))
    }

    /// Sends one heartbeat; a write that finds the client gone ends the stream. On the event loop.
    func beat(_ exchange: Exchange) {
        guard case .streaming(let framing) = exchange.response else { return stopBeating(exchange) }
        let connection = exchange.connection
        var buffer = connection.allocator.buffer(capacity: Self.comment.count + 8)
        if case .chunked = framing {
            buffer.writeString(String(Self.comment.count, radix: 16))
            buffer.writeStaticString("\r\n")
            buffer.writeBytes(Self.comment)
            buffer.writeStaticString("\r\n")
        } else {
            buffer.writeBytes(Self.comment)
        }
        do {
            _ = try connection.send(.byteBuffer(buffer), for: exchange, finishesResponse: false)
        } catch {
            end(.clientGone, of: exchange)
        }
    }

    /// Ends the stream early for `reason` (the first reason wins): no more heartbeats, and the
    /// handler's task is cancelled. On the event loop.
    func end(_ reason: Ending, of exchange: Exchange) {
        stopBeating(exchange)
        guard ending.compareExchange(expected: .open, desired: reason, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        if !exchange.handlerFinished { exchange.task?.cancel() }
    }

    /// Detaches the stream from `exchange` once its body has returned. On the event loop.
    func finish(on exchange: Exchange) {
        stopBeating(exchange)
        if exchange.eventStream === self { exchange.eventStream = nil }
    }

    private func stopBeating(_ exchange: Exchange) {
        guard let interval = heartbeat else { return }
        heartbeat = nil
        exchange.connection.executor.heartbeats.leave(self, every: interval)
    }
}
