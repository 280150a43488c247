/// A Server-Sent Events stream (`text/event-stream`), as `HTTPResponse.eventStream` hands it to a handler.
///
/// Each `send` writes one event in the wire format and flushes it at once. While the stream is open a
/// comment line goes out on the heartbeat interval, so proxies that close idle connections keep it; a
/// client that went away makes `send` throw `HTTPDError.connectionClosed`; a heartbeat that finds it
/// gone cancels the handler's task, so a body waiting between events ends too. A graceful stop of the
/// server (`stop(gracePeriod:)`) ends the stream at once: the handler's task is cancelled and `send`
/// throws `EventStreamError.serverStopping`.
public struct EventStream: Sendable {
    let response: HTTPResponse
    let life: EventStreamLife

    /// How often a heartbeat comment goes out when the handler does not say: 15 s.
    public static let defaultHeartbeat = Duration.seconds(15)

    /// Sends one event: `data` (each of its lines a `data:` line), and the optional `event` type, `id`
    /// (the client sends it back as `Last-Event-ID` when it reconnects) and `retry` (how long the client
    /// waits before reconnecting, whole milliseconds).
    ///
    /// Throws `EventStreamError.invalidField` when `event` or `id` holds CR or LF (or `id` a NUL), which
    /// would end the field early, before anything is sent; `HTTPDError.connectionClosed` when the client
    /// is gone; `EventStreamError.serverStopping` once the server is stopping.
    public func send(data: String, event: String? = nil, id: String? = nil, retry: Duration? = nil) async throws {
        try await write(EventStreamFormat.event(data: data, event: event, id: id, retry: retry))
    }

    /// Sends a comment line (`: text`), which clients ignore; CR and LF in `text` start new comment lines.
    public func comment(_ text: String) async throws {
        try await write(EventStreamFormat.comment(text))
    }

    private func write(_ bytes: [UInt8]) async throws {
        switch life.endedBy {
        case .open: break
        case .clientGone: throw HTTPDError.connectionClosed
        case .serverStopping: throw EventStreamError.serverStopping
        }
        try await response.chunk(bytes)
        try await response.forceOutput()
    }
}

/// A field of an event that cannot be sent as given.
public enum EventStreamError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The `event` or `id` field holds a character that would end it early (CR, LF; NUL in an `id`).
    case invalidField(name: String, value: String)
    /// The server is stopping gracefully (`stop(gracePeriod:)`): the stream ended, and
    /// `HTTPResponse.eventStream` ends the response and returns once its body does.
    case serverStopping

    /// What went wrong, in a sentence.
    public var description: String {
        switch self {
        case .serverStopping:
            return "the server is stopping: the event stream ended"
        case .invalidField(let name, let value):
            return "event stream field \"\(name)\" must not contain CR or LF (or NUL in an id): \(value.debugDescription)"
        }
    }
}

extension HTTPResponse {
    /// The headers every event stream begins with: one shared array, which the response keeps (for
    /// `header(_:)`) while the stream is held, rather than one allocated per stream.
    private static let eventStreamHeaders: [(name: String, value: String)] = [
        ("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"),
    ]

    /// Answers with a Server-Sent Events stream: `200`, `Content-Type: text/event-stream`,
    /// `Cache-Control: no-cache` and `headers`, then runs `body` with the stream, and ends the response
    /// when `body` returns.
    ///
    /// ```swift
    /// try await response.eventStream { events in
    ///     for tick in 1... {
    ///         try await events.send(data: "tick \(tick)", id: "\(tick)")
    ///         try await Task.sleep(for: .seconds(1))
    ///     }
    /// }
    /// ```
    ///
    /// A comment goes out every `heartbeat` (nil: none), written by a timer on the connection's event
    /// loop. When the client goes away, the next `send` throws `HTTPDError.connectionClosed`, or the
    /// heartbeat finds it and cancels the handler's task (a `Task.sleep` in `body` throws); either way
    /// this throws `HTTPDError.connectionClosed`. A graceful stop (`stop(gracePeriod:)`) does not wait
    /// for the stream: it cancels the handler's task and `send` throws `EventStreamError.serverStopping`;
    /// once `body` returns or throws, this ends the response cleanly (the last chunk) and returns. The
    /// request's `lastEventID` says where a reconnecting client left off. A `HEAD` request gets the head
    /// and `body` does not run.
    ///
    /// Over HTTP/1.1 the stream is the connection's last response (`Connection: close`, as nginx and Go
    /// answer responses that end only when they close): it lasts until `body` returns, so a request
    /// behind it would wait that long. While it runs the connection reads no more requests (what the
    /// client sends is discarded), which keeps a held stream small; it still notices the client
    /// leaving. Over HTTP/2 the stream is one of the connection's streams and the others carry on.
    public func eventStream(
        heartbeat: Duration? = EventStream.defaultHeartbeat, headers: [(name: String, value: String)] = [],
        _ body: (EventStream) async throws -> Void
    ) async throws {
        let exchange = self.exchange
        if HTTPConnection.eventStreamEndsConnection(exchange) {
            // Decided on the loop before the head is made there (the loop runs the two in order).
            exchange.onLoop { _ in
                if case .notStarted = exchange.response, exchange.closeReason == nil { exchange.closeReason = .eventStream }
            }
        }
        try await begin(status: 200, headers: headers.isEmpty ? Self.eventStreamHeaders : Self.eventStreamHeaders + headers)
        try await forceOutput()  // the head now: the client sees the stream open before the first event
        if exchange.isHead {
            try await end()  // the head is all a HEAD request gets: no events to run for
            return
        }
        let life = EventStreamLife()
        exchange.onLoop { connection in
            connection.stopReadingRequests(whileStreaming: exchange)
            life.start(on: exchange, heartbeat: heartbeat)
        }
        defer { exchange.onLoop { _ in life.finish(on: exchange) } }
        do {
            try await body(EventStream(response: self, life: life))
        } catch {
            switch life.endedBy {
            case .serverStopping:
                break  // the stream ended for the stop: the response ends cleanly below
            case .clientGone:
                throw HTTPDError.connectionClosed  // a heartbeat found the client gone and cancelled the body
            case .open:
                // Cancelled because the connection found the client gone: say so, as `send` would have.
                if exchange.clientGone.load(ordering: .relaxed) { throw HTTPDError.connectionClosed }
                throw error
            }
        }
        try await end()
    }
}

extension HTTPRequest {
    /// The `Last-Event-ID` header: the `id` of the last event a reconnecting event-stream client received.
    public var lastEventID: String? {
        header("Last-Event-ID")
    }
}
