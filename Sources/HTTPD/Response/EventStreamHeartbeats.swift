import NIOCore

/// The heartbeats of the event streams on one event loop (`EventLoopExecutor.heartbeats`): one timer
/// per interval beats every stream that uses it, so a held stream costs an entry in a table rather
/// than a timer of its own (about 600 bytes less per stream). Touched on the loop only.
///
/// A stream's first comment goes out between one and two intervals after it joins (at the second
/// tick of its timer, or the first when the timer was started for it), then one every interval.
final class EventStreamHeartbeats {
    /// The streams beating at one interval, and the timer that beats them.
    private final class Ticker {
        var timer: RepeatedTask?
        /// Ticks so far.
        var ticks = 0
        /// Each stream, with the tick from which it beats.
        var streams: [ObjectIdentifier: (stream: EventStreamLife, exchange: Exchange, firstTick: Int)] = [:]
    }

    private var tickers: [TimeAmount: Ticker] = [:]
    private let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Starts beating `stream` (the response of `exchange`) every `interval`.
    func join(_ stream: EventStreamLife, of exchange: Exchange, every interval: TimeAmount) {
        let ticker: Ticker
        let firstTick: Int
        if let existing = tickers[interval] {
            ticker = existing
            firstTick = existing.ticks + 2  // the next tick comes sooner than a whole interval
        } else {
            ticker = Ticker()
            tickers[interval] = ticker
            ticker.timer = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
                self?.tick(ticker)
            }
            firstTick = 1
        }
        ticker.streams[ObjectIdentifier(stream)] = (stream, exchange, firstTick)
    }

    /// Stops beating `stream`; the timer stops with its last stream.
    func leave(_ stream: EventStreamLife, every interval: TimeAmount) {
        guard let ticker = tickers[interval], ticker.streams.removeValue(forKey: ObjectIdentifier(stream)) != nil else {
            return
        }
        if ticker.streams.isEmpty {
            ticker.timer?.cancel()
            tickers[interval] = nil
        }
    }

    private func tick(_ ticker: Ticker) {
        ticker.ticks += 1
        for (_, entry) in ticker.streams where entry.firstTick <= ticker.ticks {
            entry.stream.beat(entry.exchange)  // may end the stream, which leaves (the loop goes over a copy)
        }
    }
}
