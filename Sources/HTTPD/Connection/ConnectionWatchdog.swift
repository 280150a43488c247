import NIOCore

/// A connection's three timeouts (waiting for a request head, a stalled body, a response making no
/// progress), kept with a single timer that is re-armed lazily: noting progress only records the
/// time, so the hot path schedules no timer per request.
///
/// Touched only on the connection's event loop.
final class ConnectionWatchdog: @unchecked Sendable {
    /// Which wait ran out.
    enum Expiry {
        /// No complete request head within the request timeout.
        case head
        /// No body bytes within the request timeout while the body was awaited.
        case body
        /// No response progress within the response timeout.
        case response
    }

    private let eventLoop: any EventLoop
    /// The time allowed for a request head, and for a stalled body.
    var requestTimeout: TimeAmount { didSet { rearm() } }
    /// The time a response may make no progress.
    var responseTimeout: TimeAmount { didSet { rearm() } }
    /// Called when a wait runs out; set once by the connection.
    var onExpiry: (Expiry) -> Void = { _ in }

    private var headSince: NIODeadline?
    private var bodySince: NIODeadline?
    private var responseSince: NIODeadline?
    private var timer: Scheduled<Void>?
    private var firesAt = NIODeadline.distantFuture
    /// Set by `stopAll()`: the connection is closing and nothing is watched any more.
    private var stopped = false

    init(eventLoop: any EventLoop, requestTimeout: TimeAmount, responseTimeout: TimeAmount) {
        self.eventLoop = eventLoop
        self.requestTimeout = requestTimeout
        self.responseTimeout = responseTimeout
    }

    /// Starts waiting for a request head.
    func watchHead() {
        let now = NIODeadline.now()
        headSince = now
        arm(at: now + requestTimeout)
    }

    /// A head arrived.
    func stopHead() { headSince = nil }

    /// Starts (or, on each body part, restarts) waiting for body bytes.
    func watchBody() {
        let now = NIODeadline.now()
        bodySince = now
        arm(at: now + requestTimeout)
    }

    /// Whether the body is being watched.
    var watchesBody: Bool { bodySince != nil }

    /// The body ended or no longer matters.
    func stopBody() { bodySince = nil }

    /// Notes response progress (a handler started, bytes went out, the client drained some).
    func noteResponseProgress() {
        let now = NIODeadline.now()
        responseSince = now
        arm(at: now + responseTimeout)
    }

    /// Whether a response is being watched.
    var watchesResponse: Bool { responseSince != nil }

    /// The response is out and the client has taken it.
    func stopResponse() { responseSince = nil }

    /// Stops every wait for good (the connection is closing).
    func stopAll() {
        stopped = true
        headSince = nil
        bodySince = nil
        responseSince = nil
        timer?.cancel()
        timer = nil
        firesAt = .distantFuture
    }

    private var nextDeadline: NIODeadline {
        var next = NIODeadline.distantFuture
        if let headSince { next = min(next, headSince + requestTimeout) }
        if let bodySince { next = min(next, bodySince + requestTimeout) }
        if let responseSince { next = min(next, responseSince + responseTimeout) }
        return next
    }

    private func arm(at deadline: NIODeadline) {
        guard !stopped, deadline < firesAt else { return }
        timer?.cancel()
        firesAt = deadline
        timer = eventLoop.scheduleTask(deadline: deadline) { [self] in fire() }
    }

    private func rearm() {
        let next = nextDeadline
        guard next != .distantFuture else { return }
        timer?.cancel()
        firesAt = .distantFuture
        arm(at: next)
    }

    private func fire() {
        timer = nil
        firesAt = .distantFuture
        let now = NIODeadline.now()
        if let headSince, headSince + requestTimeout <= now {
            self.headSince = nil
            onExpiry(.head)
        }
        if let bodySince, bodySince + requestTimeout <= now {
            self.bodySince = nil
            onExpiry(.body)
        }
        if let responseSince, responseSince + responseTimeout <= now {
            self.responseSince = nil
            onExpiry(.response)
        }
        let next = nextDeadline
        if next != .distantFuture { arm(at: next) }
    }
}
