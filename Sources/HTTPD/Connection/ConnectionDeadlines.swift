import NIOCore

/// A connection's three waits, as deadlines: pure logic, told the time by its caller, so every rule
/// is tested without a clock or a socket (`ConnectionWatchdog` runs it on the event loop's timer).
///
/// - `head`: a request head must arrive within the request timeout of the wait's start (trickling a
///   byte at a time does not extend it).
/// - `body`: body bytes must keep arriving: each part restarts the wait.
/// - `response`: the response must make progress (a handler started, bytes went out, the client
///   drained some) within the response timeout.
struct ConnectionDeadlines {
    /// Which wait.
    enum Wait: CaseIterable {
        /// For a complete request head.
        case head
        /// For the next part of a request body being read.
        case body
        /// For response progress.
        case response
    }

    /// The time allowed for a request head, and for a stalled body.
    var requestTimeout: TimeAmount
    /// The time a response may make no progress.
    var responseTimeout: TimeAmount
    /// When each wait started (or last saw progress); nil when it is not watched.
    private var since: (head: NIODeadline?, body: NIODeadline?, response: NIODeadline?) = (nil, nil, nil)
    /// Set by `stopAll()`: the connection is closing and nothing is watched any more.
    private(set) var stopped = false

    init(requestTimeout: TimeAmount, responseTimeout: TimeAmount) {
        self.requestTimeout = requestTimeout
        self.responseTimeout = responseTimeout
    }

    /// Starts `wait` at `now`, or restarts it (progress was made). Nothing once stopped for good.
    mutating func start(_ wait: Wait, at now: NIODeadline) {
        guard !stopped else { return }
        switch wait {
        case .head: since.head = now
        case .body: since.body = now
        case .response: since.response = now
        }
    }

    /// Stops watching `wait`.
    mutating func stop(_ wait: Wait) {
        switch wait {
        case .head: since.head = nil
        case .body: since.body = nil
        case .response: since.response = nil
        }
    }

    /// Stops every wait for good (the connection is closing).
    mutating func stopAll() {
        stopped = true
        since = (nil, nil, nil)
    }

    /// Whether `wait` is watched.
    func isWatching(_ wait: Wait) -> Bool {
        deadline(of: wait) != nil
    }

    /// When `wait` runs out, if it is watched.
    func deadline(of wait: Wait) -> NIODeadline? {
        switch wait {
        case .head: return since.head.map { $0 + requestTimeout }
        case .body: return since.body.map { $0 + requestTimeout }
        case .response: return since.response.map { $0 + responseTimeout }
        }
    }

    /// The earliest deadline of the watched waits, nil when none is watched.
    var nextDeadline: NIODeadline? {
        Wait.allCases.compactMap { deadline(of: $0) }.min()
    }

    /// The waits that have run out at `now`, in the order head, body, response; each stops being watched.
    mutating func expire(at now: NIODeadline) -> [Wait] {
        var expired: [Wait] = []
        for wait in Wait.allCases {
            if let deadline = deadline(of: wait), deadline <= now {
                stop(wait)
                expired.append(wait)
            }
        }
        return expired
    }
}
