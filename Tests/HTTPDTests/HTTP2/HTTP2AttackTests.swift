import HTTPD
import HTTPDHTTP2
import NIOHPACK
import Testing

/// HTTP/2's own attacks, each through a real socket with raw frames (`HTTP2FrameClient`, h2c): the
/// server bounds its work and memory, answers with a reset or a GOAWAY that says why, and keeps
/// serving other connections (a fresh connection is served after each attack). One at a time: the
/// floods would otherwise pile up on the event loops every test of the suite shares.
@Suite("HTTP/2 attacks", .serialized)
struct HTTP2AttackTests {
    @Test("Rapid Reset (CVE-2023-44487): streams opened and cancelled in a loop end with GOAWAY ENHANCE_YOUR_CALM; few handlers start, all are cancelled")
    func rapidReset() async throws {
        let routes = AttackRoutes()
        try await TestServer.withH2C(routes: routes.routes) { test in
            let client = try await HTTP2FrameClient.connect(port: test.port)
            let block = H2Frame.requestBlock(path: "/wait")
            let rounds = try await client.flood(1_000) { round in
                let stream = UInt32(2 * round + 1)
                return [.headers(stream: stream, block: block), .rstStream(stream: stream)]
            }
            let (goAway, closed) = try await client.goAwayAndClose()
            #expect(goAway?.errorCode == .enhanceYourCalm, "got \(String(describing: goAway)) after \(rounds) rounds")
            #expect(closed, "the connection is still open")
            #expect(routes.started.get() <= 250, "\(routes.started.get()) handlers started for \(rounds) streams opened")
            #expect(await eventually { routes.running.get() == 0 }, "\(routes.running.get()) handlers still run")
            #expect(await eventually { test.server.connectionCount == 0 })
            try await test.expectFreshHTTP2Served()
        }
    }

    /// How a CONTINUATION sequence goes on: its frames' fragment, and how it ends.
    enum ContinuationSequence: String, CaseIterable, CustomTestStringConvertible, Sendable {
        /// 3 CONTINUATIONs, the last with END_HEADERS: an ordinary split header block, served.
        case shortSplit
        /// 1,000 small CONTINUATIONs, then END_HEADERS.
        case longThenEnd
        /// Small CONTINUATIONs without end.
        case endlessSmall
        /// 16 KiB CONTINUATIONs without end.
        case endlessLarge

        var testDescription: String { rawValue }
    }

    @Test(
        "CONTINUATION flood: a header block in more than a few CONTINUATIONs, with or without END_HEADERS ever arriving, ends with GOAWAY ENHANCE_YOUR_CALM before any handler runs",
        arguments: ContinuationSequence.allCases)
    func continuationFlood(_ sequence: ContinuationSequence) async throws {
        let routes = AttackRoutes()
        try await TestServer.withH2C(routes: routes.routes) { test in
            let client = try await HTTP2FrameClient.connect(port: test.port)
            let fragment =
                sequence == .endlessLarge
                ? H2Frame.headerBlock([("x-filler", String(repeating: "f", count: 16_370))])
                : H2Frame.headerBlock([("x-filler", "f")])
            try await client.send(.headers(stream: 1, block: H2Frame.requestBlock(path: "/wait"), endHeaders: false))
            switch sequence {
            case .shortSplit:
                try await client.send(
                    (0..<3).map { H2Frame.continuation(stream: 1, block: fragment, endHeaders: $0 == 2) })
                #expect(await eventually { routes.started.get() == 1 }, "the split header block was not served")
                routes.release()
                #expect(try await client.outcome(of: 1).status == 200)
                return
            case .longThenEnd:
                _ = try await client.flood(1_000) { _ in [.continuation(stream: 1, block: fragment, endHeaders: false)] }
                try await client.send(.continuation(stream: 1, block: fragment, endHeaders: true))
            case .endlessSmall:
                _ = try await client.flood(2_000) { _ in [.continuation(stream: 1, block: fragment, endHeaders: false)] }
            case .endlessLarge:
                _ = try await client.flood(50) { _ in [.continuation(stream: 1, block: fragment, endHeaders: false)] }
            }
            let (goAway, closed) = try await client.goAwayAndClose()
            #expect(goAway?.errorCode == .enhanceYourCalm, "got \(String(describing: goAway))")
            #expect(closed, "the connection is still open")
            #expect(routes.started.get() == 0, "a handler ran")
            try await test.expectFreshHTTP2Served()
        }
    }

    @Test("HPACK bomb: a 6 KB header block that decodes to 8 MB ends the connection (GOAWAY COMPRESSION_ERROR) at the header list limit, before any handler runs")
    func hpackBomb() async throws {
        let routes = AttackRoutes()
        try await TestServer.withH2C(routes: routes.routes) { test in
            // One 4,000-byte field enters the dynamic table, then 2,000 one-byte references to it.
            let bomb = H2Frame.requestBlock(path: "/wait") + H2Frame.headerBlock(
                    Array(repeating: ("x-bomb", String(repeating: "b", count: 4_000)), count: 2_000), indexing: .indexable)
            #expect(bomb.count < 8_000)
            for _ in 0..<10 {
                let client = try await HTTP2FrameClient.connect(port: test.port)
                try await client.send(.headers(stream: 1, block: bomb))
                let (goAway, closed) = try await client.goAwayAndClose()
                #expect(goAway?.errorCode == .compressionError, "got \(String(describing: goAway))")
                #expect(closed, "the connection is still open")
            }
            #expect(routes.started.get() == 0, "a handler ran")
            try await test.expectFreshHTTP2Served()
        }
    }

    /// A flood of one kind of frame.
    enum Flood: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case settings, ping, priority, emptyData

        var testDescription: String { rawValue }

        func frame(_ round: Int) -> H2Frame {
            switch self {
            case .settings: return .settings([(.initialWindowSize, 65_535)])
            case .ping: return .ping(UInt64(round))
            case .priority: return .priority(stream: UInt32(2 * round + 3))
            case .emptyData: return .data(stream: 1, [])
            }
        }
    }

    @Test("SETTINGS, PING, PRIORITY and empty DATA floods end with GOAWAY ENHANCE_YOUR_CALM", arguments: Flood.allCases)
    func controlFlood(_ flood: Flood) async throws {
        let routes = AttackRoutes()
        try await TestServer.withH2C(routes: routes.routes) { test in
            let client = try await HTTP2FrameClient.connect(port: test.port)
            if flood == .emptyData {
                try await client.send(.request(stream: 1, method: "POST", path: "/echo", endStream: false))
            }
            let rounds = try await client.flood(1_000) { [flood.frame($0)] }
            let (goAway, closed) = try await client.goAwayAndClose()
            #expect(goAway?.errorCode == .enhanceYourCalm, "got \(String(describing: goAway)) after \(rounds) frames")
            #expect(closed, "the connection is still open")
            let acknowledgements = client.received.filter { $0.type == flood.frame(0).type && $0.flags & H2Flag.ack != 0 }
            #expect(acknowledgements.count <= 1_000, "\(acknowledgements.count) acknowledgements")
            try await test.expectFreshHTTP2Served()
        }
    }

    @Test("Over TLS (h2 by ALPN) the same: a PING flood and a Rapid Reset end with GOAWAY ENHANCE_YOUR_CALM and a close; fresh connections are served")
    func floodsOverTLS() async throws {
        let routes = AttackRoutes()
        try await TestServer.withH2C(overTLS: true, routes: routes.routes) { test in
            let pinging = try await HTTP2FrameClient.connect(port: test.port)
            _ = try await pinging.flood(1_000) { [.ping(UInt64($0))] }
            let pingFlood = try await pinging.goAwayAndClose()
            #expect(pingFlood.goAway?.errorCode == .enhanceYourCalm, "got \(String(describing: pingFlood.goAway))")
            #expect(pingFlood.closed, "the connection is still open")
            try await test.expectFreshHTTP2Served()
            let resetting = try await HTTP2FrameClient.connect(port: test.port)
            let block = H2Frame.requestBlock(path: "/wait")
            _ = try await resetting.flood(1_000) { [.headers(stream: UInt32(2 * $0 + 1), block: block), .rstStream(stream: UInt32(2 * $0 + 1))] }
            let rapidReset = try await resetting.goAwayAndClose()
            #expect(rapidReset.goAway?.errorCode == .enhanceYourCalm, "got \(String(describing: rapidReset.goAway))")
            #expect(rapidReset.closed, "the connection is still open")
            #expect(routes.started.get() <= 250, "\(routes.started.get()) handlers started")
            #expect(await eventually { routes.running.get() == 0 }, "\(routes.running.get()) handlers still run")
            try await test.expectFreshHTTP2Served()
        }
    }

    @Test("WINDOW_UPDATE flood: each is constant work with no reply and the connection serves on; a window past 2^31-1 is FLOW_CONTROL_ERROR")
    func windowUpdateFlood() async throws {
        let routes = AttackRoutes()
        try await TestServer.withH2C(routes: routes.routes) { test in
            let client = try await HTTP2FrameClient.connect(port: test.port)
            let rounds = try await client.flood(5_000) { _ in [.windowUpdate(stream: 0, increment: 1)] }
            #expect(rounds == 5_000)
            try await client.send(.request(stream: 1))
            #expect(try await client.outcome(of: 1).status == 200)
            #expect(client.received.filter { $0.type == H2Type.windowUpdate || $0.type == H2Type.goAway }.isEmpty)
            try await client.send(.windowUpdate(stream: 0, increment: 0x7fff_ffff))
            let (goAway, closed) = try await client.goAwayAndClose()
            #expect(goAway?.errorCode == .flowControlError, "got \(String(describing: goAway))")
            #expect(closed, "the connection is still open")
            try await test.expectFreshHTTP2Served()
        }
    }

    /// How a client keeps the server from sending a response's body.
    enum Stall: String, CaseIterable, CustomTestStringConvertible, Sendable {
        /// SETTINGS_INITIAL_WINDOW_SIZE 0: no DATA may be sent at all.
        case zeroWindow
        /// The default window, never reopened (no WINDOW_UPDATE, no reads): 64 KiB, then nothing.
        case neverReads

        var testDescription: String { rawValue }
    }

    @Test("A client that keeps its window shut: the response times out within responseTimeout, the stream is reset and the handler's write fails", arguments: Stall.allCases)
    func flowControlStall(_ stall: Stall) async throws {
        let failure = Locked<(any Error)?>(nil)
        let routes = AttackRoutes()
        var handlers = routes.routes
        handlers["/big"] = streamUntilWriteFails(recordingIn: failure)
        try await TestServer.withH2C(settings: testSettings { $0.responseTimeout = .seconds(2) }, routes: handlers) { test in
            let client = try await HTTP2FrameClient.connect(
                port: test.port, settings: stall == .zeroWindow ? [(.initialWindowSize, 0)] : [])
            try await client.send(.request(stream: 1, path: "/big"))
            #expect(await eventually { failure.get() != nil }, "the handler still writes")
            let outcome = try await client.outcome(of: 1)
            #expect(outcome == .reset(.cancel), "got \(outcome)")
            #expect((failure.get() as? HTTPDError) == .connectionClosed, "the handler's write ended with \(String(describing: failure.get()))")
            try await test.expectFreshHTTP2Served()
        }
    }

    /// A misuse of stream ids.
    enum StreamIDMisuse: String, CaseIterable, CustomTestStringConvertible, Sendable {
        /// A client-opened stream with an even id (those are the server's).
        case evenID
        /// Stream 5, then stream 3.
        case backwards
        /// Stream 1 again after its exchange ended.
        case reusedClosed
        /// HEADERS again on stream 1 while its handler runs.
        case reusedOpen

        var testDescription: String { rawValue }

        /// What the server answers: a connection error, except for the open stream (a stream error).
        var answer: H2Outcome { self == .reusedOpen ? .reset(.protocolError) : .goAway(.protocolError) }
    }

    @Test("Stream id misuse (even, going backwards, reused) is a PROTOCOL_ERROR: GOAWAY, or RST_STREAM for HEADERS again on an open stream; the bad stream's handler never runs", arguments: StreamIDMisuse.allCases)
    func streamIDMisuse(_ misuse: StreamIDMisuse) async throws {
        let routes = AttackRoutes()
        try await TestServer.withH2C(routes: routes.routes) { test in
            let client = try await HTTP2FrameClient.connect(port: test.port)
            let bad: UInt32
            switch misuse {
            case .evenID:
                bad = 2
            case .backwards:
                try await client.send(.request(stream: 5))
                #expect(try await client.outcome(of: 5).status == 200)
                bad = 3
            case .reusedClosed:
                try await client.send(.request(stream: 1))
                #expect(try await client.outcome(of: 1).status == 200)
                bad = 1
            case .reusedOpen:
                try await client.send(.request(stream: 1, path: "/wait"))
                #expect(await eventually { routes.started.get() == 1 })
                bad = 1
            }
            let before = routes.started.get() + routes.served.get()
            try await client.send(.request(stream: bad, path: "/count"))
            let outcome = try await client.outcome(of: bad)
            #expect(outcome == misuse.answer, "got \(outcome)")
            #expect(routes.started.get() + routes.served.get() == before, "the misused stream was served")
            #expect(await eventually { routes.running.get() == 0 }, "\(routes.running.get()) handlers still run")
            try await test.expectFreshHTTP2Served()
        }
    }

    @Test("Streams up to SETTINGS_MAX_CONCURRENT_STREAMS run at once; one more is refused (NIOHTTP2 makes it a connection error: GOAWAY PROTOCOL_ERROR) and no handler starts for it")
    func concurrentStreamCap() async throws {
        let routes = AttackRoutes()
        try await TestServer.withH2C(options: try HTTP2Options(maxConcurrentStreams: 4), routes: routes.routes) { test in
            let client = try await HTTP2FrameClient.connect(port: test.port)
            try await client.send((0..<4).map { H2Frame.request(stream: UInt32(2 * $0 + 1), path: "/wait") })
            #expect(await eventually { routes.started.get() == 4 }, "\(routes.started.get()) of 4 streams started")
            try await client.send(.request(stream: 9, path: "/wait"))
            let refused = try await client.outcome(of: 9)
            #expect(refused == .reset(.refusedStream) || refused == .goAway(.protocolError), "got \(refused)")
            #expect(routes.started.get() == 4)
            if refused == .reset(.refusedStream) {
                routes.release()
                for stream in [1, 3, 5, 7] as [UInt32] {
                    #expect(try await client.outcome(of: stream).status == 200, "stream \(stream)")
                }
            } else {
                #expect(try await client.goAwayAndClose().closed, "the connection is still open")
                #expect(await eventually { routes.running.get() == 0 }, "\(routes.running.get()) handlers still run")
            }
            try await test.expectFreshHTTP2Served()
        }
    }

    @Test("A client that opens 300 streams at once without acknowledging the server's SETTINGS: at most 100 handlers start (NIOHTTP2's cap until the acknowledgement), the connection ends")
    func streamsBeforeSettingsAcknowledged() async throws {
        let routes = AttackRoutes()
        try await TestServer.withH2C(routes: routes.routes) { test in
            let client = try await HTTP2FrameClient.connect(port: test.port, handshake: false)
            let block = H2Frame.requestBlock(path: "/wait")
            _ = try await client.flood(300) { [.headers(stream: UInt32(2 * $0 + 1), block: block)] }
            let (goAway, closed) = try await client.goAwayAndClose()
            #expect(goAway?.errorCode == .protocolError, "got \(String(describing: goAway))")
            #expect(closed, "the connection is still open")
            #expect(routes.started.get() <= 100, "\(routes.started.get()) handlers started")
            #expect(await eventually { routes.running.get() == 0 }, "\(routes.running.get()) handlers still run")
            try await test.expectFreshHTTP2Served()
        }
    }
}

/// The handlers of the attack tests: `/` answers at once; `/wait` counts its starts and waits until
/// `release()` (or its task is cancelled); `/echo` sends the body back; `/count` counts and answers.
struct AttackRoutes {
    let started = Locked(0)
    let running = Locked(0)
    let served = Locked(0)
    private let released = Locked(false)

    /// Lets every `/wait` handler answer.
    func release() { released.set(true) }

    var routes: [String: HTTPHandler] {
        let (started, running, served, released) = (started, running, served, released)
        return [
            "/": { _, response in try await response.write(status: 200, body: "hello") },
            "/wait": { _, response in
                started.update { $0 += 1 }
                running.update { $0 += 1 }
                defer { running.update { $0 -= 1 } }
                while !released.get() { try await Task.sleep(for: .milliseconds(20)) }
                try await response.write(status: 200, body: "released")
            },
            "/echo": { request, response in
                try await response.write(status: 200, body: try await request.body() ?? [])
            },
            "/count": { _, response in
                served.update { $0 += 1 }
                try await response.write(status: 200, body: "counted")
            },
        ]
    }
}
