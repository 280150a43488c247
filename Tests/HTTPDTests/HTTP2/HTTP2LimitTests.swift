import HTTPD
import HTTPDHTTP2
import NIOHPACK
import Testing

/// The server's `HTTPSettings` over HTTP/2 (h2c, raw frames): the body limit per stream, the header
/// limits after HPACK decoding, and the request timeout for a silent connection and a stalled body.
/// (Request timeouts of 5 s: under ThreadSanitizer, amid the flood tests, the event loops have lagged
/// past 2 s before reading a preface.)
@Suite("HTTP/2 settings")
struct HTTP2LimitTests {
    @Test("A declared content-length over maxRequestBodyLength gets 413 before any DATA is sent, then a reset; the connection lives on")
    func declaredLengthOverLimit() async throws {
        let routes = AttackRoutes()
        try await TestServer.withH2C(settings: testSettings { $0.maxRequestBodyLength = 1_000 }, routes: routes.routes) { test in
            let client = try await HTTP2FrameClient.connect(port: test.port)
            try await client.send(
                .request(stream: 1, method: "POST", path: "/echo", extra: [("content-length", "5000")], endStream: false))
            #expect(try await client.outcome(of: 1).status == 413)
            // The body is not wanted: the stream is reset once the answer is out (not left open).
            #expect(try await client.outcome(of: 1) == .reset(.cancel))
            // The connection lives on.
            try await client.send(.request(stream: 3))
            #expect(try await client.outcome(of: 3).status == 200)
        }
    }

    @Test("DATA growing past maxRequestBodyLength ends the stream with 413, then a reset; the connection lives on")
    func dataOverLimit() async throws {
        let routes = AttackRoutes()
        try await TestServer.withH2C(settings: testSettings { $0.maxRequestBodyLength = 1_000 }, routes: routes.routes) { test in
            let client = try await HTTP2FrameClient.connect(port: test.port)
            try await client.send(.request(stream: 1, method: "POST", path: "/echo", endStream: false))
            try await client.send(.data(stream: 1, [UInt8](repeating: 0x61, count: 800)))
            try await client.send(.data(stream: 1, [UInt8](repeating: 0x62, count: 800)))
            let outcome = try await client.outcome(of: 1)
            #expect(outcome.status == 413, "got \(outcome)")
            #expect(try await client.outcome(of: 1) == .reset(.cancel))
            try await client.send(.request(stream: 3))
            #expect(try await client.outcome(of: 3).status == 200)
        }
    }

    @Test("Header fields over maxRequestHeaders, or a value over maxTokenLength, get 431 on the stream; the connection lives on")
    func headerLimits() async throws {
        let routes = AttackRoutes()
        let settings = testSettings {
            $0.maxRequestHeaders = 50
            $0.maxTokenLength = 1_000
        }
        try await TestServer.withH2C(settings: settings, routes: routes.routes) { test in
            let client = try await HTTP2FrameClient.connect(port: test.port)
            try await client.send(.request(stream: 1, extra: (0..<60).map { ("x-field-\($0)", "v") }))
            let tooMany = try await client.outcome(of: 1)
            #expect(tooMany.status == 431, "got \(tooMany)")
            try await client.send(.request(stream: 3, extra: [("x-long", String(repeating: "l", count: 1_200))]))
            let tooLong = try await client.outcome(of: 3)
            #expect(tooLong.status == 431, "got \(tooLong)")
            try await client.send(.request(stream: 5))
            #expect(try await client.outcome(of: 5).status == 200)
            #expect(routes.served.get() == 0)
        }
    }

    @Test("requestTimeout closes a connection that says nothing: before the preface, and after it (GOAWAY, and a close even when the client does not answer the GOAWAY's PING)")
    func silentConnection() async throws {
        let routes = AttackRoutes()
        try await TestServer.withH2C(settings: testSettings { $0.requestTimeout = .seconds(5) }, routes: routes.routes) { test in
            let silent = try await offPool { try RawSocket.connect(port: test.port, timeout: 30) }
            #expect(try await offPool { silent.receiveUntilClose() } == [], "the silent connection got bytes")
            // The idle timeout's GOAWAY comes with a PING; this client never answers it (a well-behaved
            // one would, and be closed at once): it is closed after a request timeout more.
            let client = try await HTTP2FrameClient.connect(port: test.port, answersPings: false)
            let (goAway, closed) = try await client.goAwayAndClose(within: .seconds(30))
            #expect(goAway?.errorCode == .noError, "got \(String(describing: goAway))")
            #expect(closed, "the idle HTTP/2 connection is still open")
            #expect(client.received.contains { $0.type == H2Type.ping }, "no PING came with the GOAWAY")
            #expect(await eventually { test.server.connectionCount == 0 })
            try await test.expectFreshHTTP2Served()
        }
    }

    @Test("requestTimeout closes a connection whose header block never ends (HEADERS without END_HEADERS, then silence)")
    func unfinishedHeaderBlock() async throws {
        let routes = AttackRoutes()
        try await TestServer.withH2C(settings: testSettings { $0.requestTimeout = .seconds(5) }, routes: routes.routes) { test in
            let client = try await HTTP2FrameClient.connect(port: test.port)
            try await client.send(.headers(stream: 1, block: H2Frame.requestBlock(path: "/wait"), endHeaders: false))
            let (_, closed) = try await client.goAwayAndClose(within: .seconds(30))
            #expect(closed, "the connection is still open")
            #expect(routes.started.get() == 0, "a handler ran")
            try await test.expectFreshHTTP2Served()
        }
    }

    @Test("requestTimeout ends a stream whose body stalls: the handler's body() throws, the stream gets 408 and a reset, other streams are served")
    func stalledBody() async throws {
        let failure = Locked<(any Error)?>(nil)
        let routes = AttackRoutes()
        var handlers = routes.routes
        handlers["/read"] = { request, response in
            do {
                _ = try await request.body()
            } catch {
                failure.set(error)
                throw error
            }
            try await response.write(status: 200, body: "read")
        }
        try await TestServer.withH2C(settings: testSettings { $0.requestTimeout = .seconds(5) }, routes: handlers) { test in
            // A body that stalls after 10 of its 100 bytes, and another stream of the connection, served
            // meanwhile; sent with the preface (a test task held up past the idle timeout would otherwise
            // find the connection closed as idle).
            let client = try await HTTP2FrameClient.connect(
                port: test.port,
                sending: [
                    .request(stream: 1, method: "POST", path: "/read", extra: [("content-length", "100")], endStream: false),
                    .data(stream: 1, [UInt8](repeating: 0x61, count: 10)),
                    .request(stream: 3),
                ])
            #expect(try await client.outcome(of: 3).status == 200)
            let outcome = try await client.outcome(of: 1, within: .seconds(30))
            #expect(outcome.status == 408, "got \(outcome)")
            #expect(try await client.outcome(of: 1) == .reset(.cancel))
            #expect((failure.get() as? HTTPDError) == .requestTimedOut, "body() ended with \(String(describing: failure.get()))")
        }
    }
}
