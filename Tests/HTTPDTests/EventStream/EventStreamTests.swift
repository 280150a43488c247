@testable import HTTPD
import Testing

/// The event-stream wire format, without a socket.
@Suite struct EventStreamFormatTests {
    @Test func multiLineDataBecomesOneDataLinePerLine() throws {
        let bytes = try EventStreamFormat.event(data: "one\ntwo\r\nthree\rfour", event: nil, id: nil, retry: nil)
        #expect(String(decoding: bytes, as: UTF8.self) == "data: one\ndata: two\ndata: three\ndata: four\n\n")
    }

    @Test func fieldsComeBeforeTheData() throws {
        let bytes = try EventStreamFormat.event(data: "x", event: "tick", id: "7", retry: .milliseconds(2500))
        #expect(String(decoding: bytes, as: UTF8.self) == "event: tick\nid: 7\nretry: 2500\ndata: x\n\n")
    }

    @Test func dataEndingInANewlineKeepsIt() throws {
        let bytes = try EventStreamFormat.event(data: "x\n", event: nil, id: nil, retry: nil)
        #expect(String(decoding: bytes, as: UTF8.self) == "data: x\ndata: \n\n")
    }

    @Test func lineBreaksInEventOrIdAreRefused() {
        #expect(throws: EventStreamError.invalidField(name: "event", value: "a\nevent: b")) {
            try EventStreamFormat.event(data: "x", event: "a\nevent: b", id: nil, retry: nil)
        }
        #expect(throws: EventStreamError.invalidField(name: "id", value: "1\r")) {
            try EventStreamFormat.event(data: "x", event: nil, id: "1\r", retry: nil)
        }
        #expect(throws: EventStreamError.invalidField(name: "id", value: "1\u{0}")) {
            try EventStreamFormat.event(data: "x", event: nil, id: "1\u{0}", retry: nil)
        }
    }

    @Test func commentsAreColonLines() {
        #expect(String(decoding: EventStreamFormat.comment("a\nb"), as: UTF8.self) == ": a\n: b\n\n")
        #expect(String(decoding: EventStreamFormat.comment(""), as: UTF8.self) == ":\n\n")
    }
}

/// `HTTPResponse.eventStream` through a real socket.
@Suite struct EventStreamTests {
    @Test func eventsArriveWithTheStreamHeaders() async throws {
        let routes: [String: HTTPHandler] = [
            "/events": { request, response in
                try await response.eventStream { events in
                    try await events.send(data: "hello\nworld", event: "greeting", id: "1")
                    try await events.send(data: "again", id: "2")
                }
            }
        ]
        try await TestServer.with(settings: testSettings(), routes: routes) { server in
            let response = try await server.request("/events")
            #expect(response.status == 200)
            #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
            #expect(response.headers.first(name: "Cache-Control") == "no-cache")
            #expect(response.text == "event: greeting\nid: 1\ndata: hello\ndata: world\n\nid: 2\ndata: again\n\n")
        }
    }

    @Test func eachEventIsFlushedAtOnce() async throws {
        let release = Gate()
        let routes: [String: HTTPHandler] = [
            "/events": gatedEventStream(release, first: "first", last: "second")
        ]
        try await TestServer.with(settings: testSettings(), routes: routes) { server in
            let client = try await RawClient.connect(port: server.port, sending: "GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = try #require(try await client.readHead())
            #expect(head.hasPrefix("HTTP/1.1 200"))
            #expect(try await client.read(through: "data: first\n\n") != nil)  // while the handler waits
            release.open()
            #expect(try await client.read(through: "data: second\n\n") != nil)
            #expect(try await client.read(through: "0\r\n\r\n") != nil)  // the stream ended
        }
    }

    @Test func heartbeatsGoOutOnTheInterval() async throws {
        let ended = Locked<(any Error)?>(nil)
        let finished = Gate()
        let routes: [String: HTTPHandler] = [
            "/events": eventStreamRecordingItsEnd(ended, finished, heartbeat: .milliseconds(100)) { _ in
                try await Task.sleep(for: .seconds(60))
            }
        ]
        try await TestServer.with(settings: testSettings(), routes: routes) { server in
            let client = try await RawClient.connect(port: server.port, sending: "GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try #require(try await client.readHead())
            #expect(try await client.read(through: ": heartbeat\n\n") != nil)
            #expect(try await client.read(through: ": heartbeat\n\n") != nil)
            // The client leaves while the handler sleeps: a heartbeat finds it gone and the body is cancelled.
            client.close()
            await finished.wait()
            #expect(ended.get() as? HTTPDError == .connectionClosed)
        }
    }

    @Test func aClientThatLeavesEndsTheHandlersLoop() async throws {
        let ended = Locked<(any Error)?>(nil)
        let finished = Gate()
        let routes: [String: HTTPHandler] = [
            "/events": eventStreamRecordingItsEnd(ended, finished) { events in
                    for tick in 0..<100_000 {
                        try await events.send(data: "tick \(tick)")
                        try await Task.sleep(for: .milliseconds(20))
                    }
            }
        ]
        try await TestServer.with(settings: testSettings(), routes: routes) { server in
            let client = try await RawClient.connect(port: server.port, sending: "GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.read(through: "data: tick 1\n\n") != nil)
            client.close()
            await finished.wait()
            #expect(ended.get() as? HTTPDError == .connectionClosed)
        }
    }

    @Test func aHeadRequestGetsTheHeadAndTheBodyDoesNotRun() async throws {
        let runs = Locked(0)
        let routes: [String: HTTPHandler] = [
            "/events": { _, response in
                try await response.eventStream { _ in runs.update { $0 += 1 } }
            }
        ]
        try await TestServer.with(settings: testSettings(), routes: routes) { server in
            let client = try await RawClient.connect(port: server.port, sending: "HEAD /events HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try #require(try await client.readResponse(headOnly: true))
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "text/event-stream")
            try await client.send("GET /events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")  // the connection carries on
            #expect(try await client.readResponse()?.status == 200)
        }
        #expect(runs.get() == 1)  // for the GET only
    }

    @Test func aGracefulStopEndsAnOpenStreamAtOnce() async throws {
        let outcome = Locked<String?>(nil)
        let finished = Gate()
        let server = try await HTTPServer.start(settings: testSettings(), addresses: ["127.0.0.1:0"])
        try await server.register("/events") { _, response in
            do {
                try await response.eventStream(heartbeat: .seconds(1)) { events in
                    try await events.send(data: "open")
                    try await Task.sleep(for: .seconds(600))  // woken by the stop
                }
                outcome.set("returned")
            } catch {
                outcome.set("threw \(error)")
            }
            finished.open()
        }
        let client = try await RawClient.connect(port: server.port!, sending: "GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await client.read(through: "data: open\n\n") != nil)
        let started = ContinuousClock.now
        let stopped = Task { await server.stop(gracePeriod: .seconds(120)) }
        // The stream ends cleanly (the last chunk), then the connection closes.
        #expect(try await client.read(through: "0\r\n\r\n") != nil)
        _ = try await client.readUntilClose()
        #expect(client.sawEOF)
        await finished.wait()
        #expect(outcome.get() == "returned")  // eventStream returned: the stop is not the handler's failure
        await stopped.value
        #expect(ContinuousClock.now - started < .seconds(60), "stop waited for the grace period")
    }

    @Test func aStreamThatKeepsSendingThroughAStopIsToldTheServerIsStopping() async throws {
        let sendError = Locked<(any Error)?>(nil)
        let finished = Gate()
        let server = try await HTTPServer.start(settings: testSettings(), addresses: ["127.0.0.1:0"])
        try await server.register("/events") { _, response in
            try await response.eventStream(heartbeat: nil) { events in
                // A loop that swallows the stop's cancellation: only `send` can end it.
                var tick = 0
                do {
                    while true {
                        try await events.send(data: "tick \(tick)")
                        tick += 1
                        try? await Task.sleep(for: .milliseconds(10))
                    }
                } catch {
                    sendError.set(error)
                }
            }
            finished.open()
        }
        let client = try await RawClient.connect(port: server.port!, sending: "GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await client.read(through: "data: tick 1\n\n") != nil)
        let stopped = Task { await server.stop(gracePeriod: .seconds(120)) }
        let rest = try await client.readUntilClose()
        #expect(rest.hasSuffix("0\r\n\r\n"))
        await finished.wait()
        #expect(sendError.get() as? EventStreamError == .serverStopping)
        await stopped.value
    }

    @Test func lastEventIDAndFieldErrorsReachTheHandler() async throws {
        let routes: [String: HTTPHandler] = [
            "/events": { request, response in
                try await response.eventStream { events in
                    let next = (Int(request.lastEventID ?? "0") ?? 0) + 1
                    try await events.send(data: "resumed", id: "\(next)")
                    do {
                        try await events.send(data: "x", event: "bad\ndata: injected")
                    } catch let error as EventStreamError {
                        try await events.send(data: "\(error)")
                    }
                }
            }
        ]
        try await TestServer.with(settings: testSettings(), routes: routes) { server in
            let response = try await server.request("/events", headers: [("Last-Event-ID", "41")])
            #expect(response.text.hasPrefix("id: 42\ndata: resumed\n\n"))
            #expect(!response.text.contains("\ndata: injected"))  // the message quotes it escaped, never as a line
            #expect(response.text.contains("must not contain CR or LF"))
        }
    }
}
