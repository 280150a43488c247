import NIOCore

/// Runs a connection's `ConnectionDeadlines` on its event loop with a single timer, re-armed lazily:
/// noting progress only records the time, so the hot path schedules no timer per request.
///
/// A plain class used only on its connection's event loop (it holds the loop's `Scheduled` timer).
final class ConnectionWatchdog {
    private let eventLoop: any EventLoop
    /// The deadlines; the logic lives there. (Touched only on the loop, never re-entrantly: no dynamic
    /// exclusivity checks, which cost a `swift_beginAccess` per call on every request.)
    @exclusivity(unchecked) private var deadlines: ConnectionDeadlines
    /// Called when a wait runs out; set once by the connection.
    var onExpiry: (ConnectionDeadlines.Wait) -> Void = { _ in }

    @exclusivity(unchecked) private var timer: Scheduled<Void>?
    @exclusivity(unchecked) private var firesAt = NIODeadline.distantFuture

    init(eventLoop: any EventLoop, requestTimeout: TimeAmount, responseTimeout: TimeAmount) {
        self.eventLoop = eventLoop
        self.deadlines = ConnectionDeadlines(requestTimeout: requestTimeout, responseTimeout: responseTimeout)
    }

    /// The time allowed for a request head, and for a stalled body.
    var requestTimeout: TimeAmount {
        get { deadlines.requestTimeout }
        set {
            deadlines.requestTimeout = newValue
            rearm()
        }
    }

    /// The time a response may make no progress.
    var responseTimeout: TimeAmount {
        get { deadlines.responseTimeout }
        set {
            deadlines.responseTimeout = newValue
            rearm()
        }
    }

    /// Starts (or, on progress, restarts) `wait` now.
    func watch(_ wait: ConnectionDeadlines.Wait) {
        let now = NIODeadline.now()
        deadlines.start(wait, at: now)
        arm(at: now + (wait == .response ? deadlines.responseTimeout : deadlines.requestTimeout))
    }

    /// Restarts `wait` if it is watched (progress while it runs).
    func noteProgress(_ wait: ConnectionDeadlines.Wait) {
        if deadlines.isWatching(wait) { watch(wait) }
    }

    /// Whether `wait` is watched.
    func watches(_ wait: ConnectionDeadlines.Wait) -> Bool {
        deadlines.isWatching(wait)
    }

    /// Stops watching `wait` (the timer, if it fires early, finds nothing due and re-arms).
    func stop(_ wait: ConnectionDeadlines.Wait) {
        deadlines.stop(wait)
    }

    /// Stops every wait for good (the connection is closing).
    func stopAll() {
        deadlines.stopAll()
        timer?.cancel()
        timer = nil
        firesAt = .distantFuture
    }

    private func arm(at deadline: NIODeadline) {
        guard !deadlines.stopped, deadline < firesAt else { return }
        timer?.cancel()
        firesAt = deadline
        timer = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in fire() }
    }

    private func rearm() {
        guard let next = deadlines.nextDeadline else { return }
        timer?.cancel()
        firesAt = .distantFuture
        arm(at: next)
    }

    private func fire() {
        timer = nil
        firesAt = .distantFuture
        for wait in deadlines.expire(at: .now()) { onExpiry(wait) }
        if let next = deadlines.nextDeadline { arm(at: next) }
    }
}
