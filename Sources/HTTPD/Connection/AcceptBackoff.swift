import NIOCore

/// Stops a listener from accepting for a while when `accept()` fails (the process is out of file
/// descriptors, say), instead of spinning on it.
///
/// NIO's own `AcceptBackoffHandler` only holds back the next read request; the listening socket
/// stays registered for readability while `accept()` fails, so the event loop keeps waking up. This
/// turns `autoRead` off, which takes the socket out of the poll set, and on again after `pause`.
final class AcceptBackoff: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel

    /// How long accepting pauses after a failure (nginx waits 500 ms).
    static let pause = TimeAmount.milliseconds(500)

    private var paused = false
    /// Told of every failure (the metrics count them).
    private let observers: ServerObservers?

    init(observers: ServerObservers? = nil) {
        self.observers = observers
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        observers?.acceptFailed(error)
        // Any failure to accept (out of descriptors or memory above all) pauses, as NIO's own handler does.
        guard !paused, let options = context.channel.syncOptions else { return }
        paused = true
        try? options.setOption(.autoRead, value: false)
        context.eventLoop.assumeIsolated().scheduleTask(in: Self.pause) {
            self.paused = false
            try? options.setOption(.autoRead, value: true)
        }
    }
}
