import NIOConcurrencyHelpers
import NIOCore

/// The heartbeat of an event stream: a comment written on the connection's event loop every interval
/// (a timer there, not a task, so a held stream costs no task of its own). When the write finds the
/// client gone, the handler's task is cancelled, so a body asleep between events wakes and ends.
final class EventStreamHeartbeat: Sendable {
    private let timer = NIOLockedValueBox<RepeatedTask?>(nil)
    private let clientGone = NIOLockedValueBox(false)

    /// The comment that goes out, framed as one chunk for a chunked response.
    private static let comment = EventStreamFormat.comment("heartbeat")

    /// Starts beating on `response`'s connection every `interval`.
    init(response: HTTPResponse, every interval: Duration) {
        let exchange = response.exchange
        let loop = exchange.connection.eventLoop
        let task = loop.scheduleRepeatedTask(initialDelay: TimeAmount(interval), delay: TimeAmount(interval)) {
            [clientGone] task in
            guard case .streaming(let framing) = exchange.response else { return task.cancel() }
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
                clientGone.withLockedValue { $0 = true }
                task.cancel()
                exchange.task?.cancel()
            }
        }
        timer.withLockedValue { $0 = task }
    }

    /// Whether a heartbeat found the client gone (and cancelled the handler's task).
    var foundClientGone: Bool {
        clientGone.withLockedValue { $0 }
    }

    /// Stops beating.
    func stop() {
        timer.withLockedValue { $0?.cancel() }
    }
}
