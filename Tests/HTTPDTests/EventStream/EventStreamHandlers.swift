import HTTPD

/// An event-stream handler (no heartbeat) that sends `first`, waits until `release` opens, then sends
/// `last` and ends.
func gatedEventStream(_ release: Gate, first: String = "open", last: String = "last") -> HTTPHandler {
    { _, response in
        try await response.eventStream(heartbeat: nil) { events in
            try await events.send(data: first)
            await release.wait()
            try await events.send(data: last)
        }
    }
}

/// An event-stream handler running `body`, which records how `eventStream` ended in `ended` (nil when
/// it returned) and then opens `finished`.
func eventStreamRecordingItsEnd(
    _ ended: Locked<(any Error)?>, _ finished: Gate, heartbeat: Duration? = nil,
    _ body: @escaping @Sendable (EventStream) async throws -> Void
) -> HTTPHandler {
    { _, response in
        do {
            try await response.eventStream(heartbeat: heartbeat) { events in try await body(events) }
        } catch {
            ended.set(error)
        }
        finished.open()
    }
}
