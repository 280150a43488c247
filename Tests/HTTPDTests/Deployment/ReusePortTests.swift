import HTTPD
import Testing

/// Sharing a port (`SocketOption.reusePort`) and handing it over (`drainAndStop`) through real sockets.
@Suite("Deployment: one port, several servers, handed over")
struct ReusePortTests {
    static let options: [SocketOption] = [.reuseAddress, .reusePort]

    /// A server on `address` answering `name` at `/`, with the health check at `/healthz`.
    static func start(_ name: String, address: String = "127.0.0.1:0") async throws -> HTTPServer {
        let server = try await HTTPServer.start(socketOptions: options, addresses: [address])
        try await server.register("/") { _, response in try await response.write(status: 200, body: name) }
        try await server.register("/healthz", handler: HealthCheck.handler)
        return server
    }

    /// Whether this machine's kernel hands a closing SO_REUSEPORT listener's queue to the others.
    static var kernelMigratesQueuedConnections: Bool {
        SupervisorTests.read("/proc/sys/net/ipv4/tcp_migrate_req").hasPrefix("1")
    }

    /// `GET path` on a new connection (closed after): the status line and body, or nil when it failed.
    static func get(port: Int, _ path: String = "/") async -> String? {
        guard let socket = try? await offPool({ try RawSocket.connect(port: port) }) else { return nil }
        socket.setReceiveTimeout(milliseconds: 10_000)
        let received = try? await offPool { () -> [UInt8] in
            guard socket.send("GET \(path) HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n") else { return [] }
            return socket.receiveUntilClose()
        }
        socket.close()
        let text = String(decoding: received ?? [], as: UTF8.self)
        guard let statusEnd = text.range(of: "\r\n"), let bodyStart = text.range(of: "\r\n\r\n") else { return nil }
        return text[..<statusEnd.lowerBound] + " " + text[bodyStart.upperBound...]
    }

    @Test("two servers in one process bind one port with reusePort, and the kernel spreads connections over both")
    func twoServersOnePort() async throws {
        let first = try await Self.start("A")
        let port = first.port!
        let second = try await Self.start("B", address: "127.0.0.1:\(port)")
        var seen: Set<String> = []
        for _ in 0..<64 {
            if let answer = await Self.get(port: port) { seen.insert(answer) }
        }
        #expect(seen == ["HTTP/1.1 200 OK A", "HTTP/1.1 200 OK B"])
        await first.stop()
        for _ in 0..<8 {
            let answer = await Self.get(port: port)
            #expect(answer == "HTTP/1.1 200 OK B")
        }
        await second.stop()
    }

    @Test("without reusePort the second server cannot bind the port")
    func withoutReusePort() async throws {
        let first = try await HTTPServer.start(addresses: ["127.0.0.1:0"])
        await #expect(throws: HTTPDError.self) {
            _ = try await HTTPServer.start(addresses: ["127.0.0.1:\(first.port!)"])
        }
        await first.stop()
    }

    @Test("draining: the health check answers 503, a keep-alive connection gets one more answer with Connection: close")
    func draining() async throws {
        let server = try await Self.start("A")
        let port = server.port!
        #expect(await Self.get(port: port, "/healthz") == "HTTP/1.1 200 OK ok\n")
        #expect(!server.isDraining)
        let keepAlive = try await RawClient.connect(port: port)
        try await keepAlive.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await keepAlive.readResponse()?.status == 200)
        // A quiet period far longer than the steps below take, even under ThreadSanitizer on a loaded
        // machine (with 500 ms the server sometimes went quiet and closed the idle connection first).
        let stopped = Task { await server.drainAndStop(gracePeriod: .seconds(20), quietPeriod: .seconds(5)) }
        #expect(await eventually(within: .seconds(5)) { server.isDraining })
        // Still accepting while draining: the health check says 503.
        #expect(await Self.get(port: port, "/healthz") == "HTTP/1.1 503 Service Unavailable draining\n")
        try await keepAlive.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        let last = try await keepAlive.readResponse()
        #expect(last?.status == 200)
        #expect(last?.header("Connection")?.lowercased() == "close")
        #expect(try await keepAlive.isClosedByServer())
        await stopped.value
        #expect(await Self.get(port: port) == nil)
    }

    @Test("handing a port over under load: a replacement listens, the old server drains and stops, no request fails")
    func handoverUnderLoad() async throws {
        let old = try await Self.start("old")
        let port = old.port!
        let load = KeepAliveLoad(port: port, clients: 8)
        try await Task.sleep(for: .milliseconds(300))
        let replacement = try await Self.start("new", address: "127.0.0.1:\(port)")
        let began = ContinuousClock.now
        await old.drainAndStop(gracePeriod: .seconds(10), quietPeriod: .milliseconds(200))
        let took = ContinuousClock.now - began
        try await Task.sleep(for: .milliseconds(300))
        await load.stop()
        await replacement.stop()
        // Closing a SO_REUSEPORT listener resets what the kernel queued on it after the last look at its
        // queue, unless the kernel hands that to the other listener (net.ipv4.tcp_migrate_req = 1, which
        // makes this strict); without it, seen once under ThreadSanitizer amid the whole suite (README,
        // Deployment). Separately started processes that must lose nothing set the sysctl.
        if Self.kernelMigratesQueuedConnections {
            #expect(load.failures.get() == 0)
        } else {
            withKnownIssue("net.ipv4.tcp_migrate_req is 0: a closing SO_REUSEPORT listener can reset a queued connection", isIntermittent: true) {
                #expect(load.failures.get() == 0)
            }
        }
        #expect(load.count("200 old") > 0)
        #expect(load.count("200 new") > 0)
        #expect(load.answers.get().count == 2)
        // Quiet within 5 s when alone; bounded by the 10 s grace, plus the closing steps' turns on event
        // loops that the whole suite shares under ThreadSanitizer (15.9 s seen there).
        #expect(took < .seconds(30), "the drain outlasted its grace period by far")
    }
}
