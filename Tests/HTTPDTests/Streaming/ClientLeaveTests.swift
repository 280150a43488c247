import HTTPD
import Testing

/// A handler learns that its client left: its task is cancelled and `isClientConnected` turns false,
/// while a client that only half-closes still gets its answer.
@Suite("Streaming: a handler knows when its client leaves")
struct ClientLeaveTests {
    @Test("a client that closes while the handler sleeps: the handler's task is cancelled promptly")
    func closedClient() async throws {
        let outcome = Locked<String?>(nil)
        let started = Gate()
        try await TestServer.with(routes: [
            "/slow": { request, response in
                started.open()
                do {
                    try await Task.sleep(for: .seconds(60))
                    outcome.set("slept")
                } catch is CancellationError {
                    outcome.set("cancelled, connected: \(request.isClientConnected)")
                }
                try await response.write(status: 200, body: "late")
            }
        ]) { test throws in
            let socket = try await offPool { try RawSocket.connect(port: test.port) }
            _ = try await offPool { socket.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n") }
            await started.wait()
            try await offPool { socket.close() }
            #expect(await eventually(within: .seconds(20)) { outcome.get() != nil })
            #expect(outcome.get() == "cancelled, connected: false")
        }
    }

    @Test("a client that resets the connection: the handler's task is cancelled")
    func resetClient() async throws {
        let cancelled = Locked(false)
        let started = Gate()
        try await TestServer.with(routes: [
            "/slow": { _, response in
                started.open()
                do { try await Task.sleep(for: .seconds(60)) } catch { cancelled.set(true) }
                try await response.write(status: 200, body: "late")
            }
        ]) { test throws in
            let socket = try await offPool { try RawSocket.connect(port: test.port) }
            _ = try await offPool { socket.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n") }
            await started.wait()
            try await offPool { socket.reset() }
            #expect(await eventually(within: .seconds(20)) { cancelled.get() })
        }
    }

    @Test("a client that half-closes and waits gets its answer (after an interim 102), then the close")
    func halfClosedClient() async throws {
        let connected = Locked<Bool?>(nil)
        try await TestServer.with(routes: [
            "/slow": { request, response in
                try await Task.sleep(for: .milliseconds(300))
                connected.set(request.isClientConnected)
                try await response.write(status: 200, body: "worth the wait")
            }
        ]) { test throws in
            let socket = try await offPool { try RawSocket.connect(port: test.port) }
            let received = try await offPool { () -> String in
                guard socket.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n") else { return "" }
                socket.shutdownWrite()
                return String(decoding: socket.receiveUntilClose(), as: UTF8.self)
            }
            socket.close()
            #expect(received.hasPrefix("HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\n"), "got \(received.debugDescription)")
            #expect(received.hasSuffix("\r\n\r\nworth the wait"))
            #expect(connected.get() == true)
        }
    }

    @Test("pipelined requests sent with a half-close are all answered, in order")
    func pipelinedThenHalfClosed() async throws {
        try await TestServer.with(routes: [
            "/a": { request, response in try await response.write(status: 200, body: "answer \(request.queryParameter("n") ?? "")") }
        ]) { test throws in
            let socket = try await offPool { try RawSocket.connect(port: test.port) }
            let received = try await offPool { () -> String in
                let requests = (1...3).map { "GET /a?n=\($0) HTTP/1.1\r\nHost: a\r\n\r\n" }.joined()
                guard socket.send(requests) else { return "" }
                socket.shutdownWrite()
                return String(decoding: socket.receiveUntilClose(), as: UTF8.self)
            }
            socket.close()
            #expect(received.components(separatedBy: "HTTP/1.1 200 OK").count == 4, "got \(received.debugDescription)")
            #expect(received.hasSuffix("answer 3"))
        }
    }
}
