import HTTPD
import Synchronization
import Testing

/// How a client goes away.
enum Departure: String, Sendable, CaseIterable, CustomTestStringConvertible {
    /// close(): a FIN.
    case close
    /// SO_LINGER 0: a reset.
    case reset

    var testDescription: String { rawValue }

    func leave(_ socket: RawSocket) {
        switch self {
        case .close: socket.close()
        case .reset: socket.reset()
        }
    }
}

/// Clients that vanish and handlers that fail: the handler hears of it, and the server goes on.
/// (ConnectionTests covers a handler that throws before and after responding.)
@Suite("Conformance: faults")
struct FaultTests {
    @Test("a client that disconnects mid-body makes the handler's body() throw connectionClosed", arguments: Departure.allCases)
    func disconnectMidBody(_ departure: Departure) async throws {
        let reading = Gate()
        let thrown = Locked<(any Error)?>(nil)
        try await TestServer.with(routes: [
            "/read": { request, response in
                reading.open()
                do {
                    _ = try await request.body()
                } catch {
                    thrown.set(error)
                    throw error
                }
                try await response.write(status: 200, body: "unexpected")
            }
        ]) { test throws in
            let socket = try await offPool { try RawSocket.connect(port: test.port) }
            socket.send("POST /read HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nonly this much")
            await reading.wait()
            try await Task.sleep(for: .milliseconds(50))  // let body() start waiting (the outcome is the same either way)
            departure.leave(socket)
            #expect(await eventually { thrown.get() != nil })
            #expect(thrown.get() as? HTTPDError == .connectionClosed)
            #expect(await eventually { test.server.connectionCount == 0 })
            #expect(try await test.request("/elsewhere").status == 404)
        }
    }

    @Test("a client that disconnects mid-response makes the handler's write throw", arguments: Departure.allCases)
    func disconnectMidResponse(_ departure: Departure) async throws {
        let thrown = Locked<(any Error)?>(nil)
        try await TestServer.with(routes: [
            "/stream": streamUntilWriteFails(recordingIn: thrown)
        ]) { test throws in
            let socket = try await offPool { try RawSocket.connect(port: test.port) }
            socket.send("GET /stream HTTP/1.1\r\nHost: a\r\n\r\n")
            let first = try await offPool { socket.receive() ?? [] }
            #expect(String(decoding: first.prefix(15), as: UTF8.self) == "HTTP/1.1 200 OK")
            departure.leave(socket)
            #expect(await eventually { thrown.get() != nil })
            #expect(thrown.get() is HTTPDError)
            #expect(await eventually { test.server.connectionCount == 0 })
            #expect(try await test.request("/elsewhere").status == 404)
        }
    }

    @Test("a handler that never returns is bounded by the response timeout: the connection closes and the handler is cancelled")
    func handlerNeverReturns() async throws {
        let cancelled = Locked(false)
        let stuck = Gate()
        let settings = testSettings { $0.responseTimeout = .milliseconds(300) }
        try await TestServer.with(settings: settings, routes: [
            "/sleep": { _, _ in
                do {
                    try await Task.sleep(for: .seconds(3600))
                } catch {
                    cancelled.set(Task.isCancelled)
                    throw error
                }
            },
            // Ignores cancellation altogether.
            "/stuck": { _, _ in await stuck.wait() },
            "/ok": { _, response in try await response.write(status: 200, body: "ok") },
        ]) { test throws in
            for target in ["/sleep", "/stuck"] {
                let client = try await test.connect()
                try await client.send("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n" + "GET /ok HTTP/1.1\r\nHost: a\r\n\r\n")
                // Closed, and the request behind it never answered.
                let text = try await client.readUntilClose()
                #expect(!text.contains("200 OK"), "got \(text.debugDescription)")
            }
            #expect(await eventually { cancelled.get() })
            #expect(try await test.request("/ok").text == "ok")
            stuck.open()
        }
    }

    @Test("stop() during requests in flight: the handlers' reads and writes throw, clients see a close, wait() returns, new connections are refused")
    func stopInFlight() async throws {
        let server = try await HTTPServer.start(addresses: ["127.0.0.1:0"])
        let port = server.port!
        let reading = Gate()
        let streaming = Gate()
        let errors = Locked<[String: any Error]>([:])
        try await server.register("/read") { request, response in
            reading.open()
            do { _ = try await request.body() } catch {
                errors.update { $0["read"] = error }
                throw error
            }
        }
        try await server.register("/stream") { _, response in
            try await response.begin(status: 200)
            streaming.open()
            do {
                for _ in 0..<1_000_000 { try await response.chunk([UInt8](repeating: 0x78, count: 1 << 16)) }
            } catch {
                errors.update { $0["stream"] = error }
                throw error
            }
        }
        let reader = try await offPool { try RawSocket.connect(port: port) }
        reader.send("POST /read HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc")
        let streamer = try await offPool { try RawSocket.connect(port: port) }
        streamer.send("GET /stream HTTP/1.1\r\nHost: a\r\n\r\n")
        let idle = try await RawClient.connect(port: port)
        await reading.wait()
        await streaming.wait()

        await server.stop()
        await server.wait()
        #expect(await eventually { errors.get().count == 2 })
        #expect(errors.get()["read"] as? HTTPDError == .connectionClosed)
        #expect(errors.get()["stream"] is HTTPDError)
        #expect(try await idle.isClosedByServer())
        let readerRest = try await offPool { reader.receiveUntilClose() }
        #expect(readerRest.isEmpty)
        _ = try await offPool { streamer.receiveUntilClose() }  // the cut-off stream, then the close
        #expect(server.connectionCount == 0)
        await #expect(throws: (any Error).self) { _ = try await RawClient.connect(port: port) }
    }

    @Test("a graceful stop: idle connections close at once, a request that finishes in time is answered, one that does not is cut at the deadline")
    func gracefulStopDeadline() async throws {
        let server = try await HTTPServer.start(addresses: ["127.0.0.1:0"])
        let port = server.port!
        let started = Locked(0)
        let release = Gate()
        let never = Gate()
        try await server.register("/soon") { _, response in
            started.update { $0 += 1 }
            await release.wait()
            try await response.write(status: 200, body: "soon")
        }
        try await server.register("/never") { _, _ in
            started.update { $0 += 1 }
            await never.wait()
        }
        try await server.register("/ok") { _, response in try await response.write(status: 200, body: "ok") }

        let idle = try await RawClient.connect(port: port)
        try await idle.send("GET /ok HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try await idle.readResponse()?.text == "ok")
        let soon = try await RawClient.connect(port: port)
        try await soon.send("GET /soon HTTP/1.1\r\nHost: a\r\n\r\n")
        let stuck = try await RawClient.connect(port: port)
        try await stuck.send("GET /never HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(await eventually { started.get() == 2 })

        let returned = Atomic(false)
        let stopped = Task {
            await server.stop(gracePeriod: .seconds(2))
            returned.store(true, ordering: .relaxed)
        }
        // At once, but on event loops the whole suite shares: under ThreadSanitizer the stop's steps can
        // take more than the raw client's 10 s wait.
        #expect(await eventually(within: .seconds(40)) { (try? await idle.isClosedByServer()) == true })
        await #expect(throws: (any Error).self) { _ = try await RawClient.connect(port: port) }
        release.open()
        let answer = try await soon.readResponse()
        #expect(answer?.text == "soon")
        #expect(answer?.header("Connection") == "close")
        #expect(try await soon.isClosedByServer())
        // stop returns at the deadline, cutting off /never (bounded here: it must not wait for the handler).
        let atDeadline = await eventually(within: .seconds(20)) { returned.load(ordering: .relaxed) }
        #expect(atDeadline, "stop(gracePeriod: 2 s) had not returned 20 s later")
        if !atDeadline { await server.stop() }
        await stopped.value
        #expect(try await stuck.readUntilClose() == "")
        #expect(server.connectionCount == 0)
        never.open()
    }
}
