import Dispatch
import HTTPD
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A request timeout long enough that a loaded machine does not trip it early: over TLS it covers the
/// handshake too, which under ThreadSanitizer amid the whole suite took more than 2 s.
private func quick(_ transport: TestTransport = .plain) -> HTTPSettings {
    testSettings { $0.requestTimeout = transport == .tls ? .seconds(5) : .seconds(2) }
}

/// Connects, sends `bytes` at once, and returns everything the server sends until it closes. All of it
/// on a thread of its own, so that nothing delays the bytes past a 300 ms timeout.
private func sendAndReadUntilClose(port: Int, _ bytes: String) async throws -> String {
    try await offPool {
        let socket = try RawSocket.connect(port: port)
        socket.send(bytes)
        return String(decoding: socket.receiveUntilClose(), as: UTF8.self)
    }
}

/// The request timeout: for a whole request head however steadily it trickles, for a body that stalls,
/// and for an idle keep-alive connection (closed quietly).
@Suite("Conformance: time")
struct TimeTests {
    @Test("a head trickled steadily, a byte every 20 ms, still gets 408 and a close when the request timeout runs out",
          arguments: TestTransport.tested)
    func steadyTrickle(over transport: TestTransport) async throws {
        let routes = ConformanceRoutes()
        try await TestServer.with(transport: transport, settings: quick(transport), routes: routes.routes) { test throws in
            let port = test.port
            let text = try await offPool { () -> String in
                let socket = try RawSocket.connect(port: port)
                let stop = Atomic(false)
                // A head that never ends: a header value growing a byte at a time, far below the limits.
                socket.send("GET /after HTTP/1.1\r\nHost: a\r\nX-Slow: ")
                DispatchQueue(label: "conformance.trickle").async {
                    while !stop.load(ordering: .relaxed), socket.send("s") { usleep(20_000) }
                }
                defer { stop.store(true, ordering: .relaxed) }
                return String(decoding: socket.receiveUntilClose(), as: UTF8.self)
            }
            #expect(text.hasPrefix("HTTP/1.1 408 "), "got \(text.debugDescription)")
            #expect(text.contains("\r\nConnection: close\r\n"))
            #expect(text.hasSuffix("\r\n\r\n408 Request Timeout\n"), "something came after the 408")
            #expect(routes.afterCount.get() == 0)
            try await expectFreshConnectionServed(test, routes: routes)
        }
    }

    @Test("a chunked body that stalls for the request timeout is abandoned: body() throws, 408 and close",
          arguments: TestTransport.tested)
    func chunkedBodyStalls(over transport: TestTransport) async throws {
        let routes = ConformanceRoutes()
        try await TestServer.with(transport: transport, settings: quick(transport), routes: routes.routes) { test throws in
            let text = try await sendAndReadUntilClose(
                port: test.port, "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
            #expect(text.hasPrefix("HTTP/1.1 408 "), "got \(text.debugDescription)")
            #expect(text.contains("\r\nConnection: close\r\n"))
            #expect(text.hasSuffix("\r\n\r\n408 Request Timeout\n"), "something came after the 408")
            try await expectFreshConnectionServed(test, routes: routes)
        }
    }

    @Test("a body nobody reads that stalls is abandoned too: the answer stands, then the connection closes")
    func unreadBodyStalls() async throws {
        let routes = ConformanceRoutes()
        try await TestServer.with(settings: quick(), routes: routes.routes) { test throws in
            let text = try await sendAndReadUntilClose(
                port: test.port, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nten bytes.")
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"), "got \(text.debugDescription)")
            #expect(text.hasSuffix("\r\n\r\nhello /"), "something came after the answer")
            try await expectFreshConnectionServed(test, routes: routes)
        }
    }

    @Test("a body that keeps arriving is not cut off however long it takes in all", arguments: TestTransport.tested)
    func slowBodyThatNeverStalls(over transport: TestTransport) async throws {
        try await TestServer.with(
            transport: transport, settings: testSettings { $0.requestTimeout = .seconds(2) }, routes: ConformanceRoutes().routes
        ) { test throws in
            let port = test.port
            let text = try await offPool { () -> String in
                let socket = try RawSocket.connect(port: port)
                socket.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 30\r\nConnection: close\r\n\r\n")
                for _ in 0..<30 {  // ~1.5 s in all, a byte every 50 ms
                    guard socket.send("x") else { break }
                    usleep(50_000)
                }
                return String(decoding: socket.receiveUntilClose(), as: UTF8.self)
            }
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"), "got \(text.debugDescription)")
            #expect(text.hasSuffix("\r\n\r\n" + String(repeating: "x", count: 30)))
        }
    }

    @Test("an idle keep-alive connection is closed quietly after the request timeout: no 408 for a request never begun",
          arguments: TestTransport.tested)
    func idleAfterRequest(over transport: TestTransport) async throws {
        let routes = ConformanceRoutes()
        try await TestServer.with(transport: transport, settings: quick(transport), routes: routes.routes) { test throws in
            let text = try await sendAndReadUntilClose(port: test.port, afterRequest)
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"), "got \(text.debugDescription)")
            #expect(text.hasSuffix("\r\n\r\nafter"), "something came after the answer: \(text.debugDescription)")
            // An idle connection that never sent anything closes quietly too.
            #expect(try await sendAndReadUntilClose(port: test.port, "") == "")
        }
    }

    @Test("a client that stops reading a streamed response is disconnected at the response timeout, and the handler's write throws")
    func stalledReader() async throws {
        let thrown = Locked<(any Error)?>(nil)
        let settings = testSettings { $0.responseTimeout = .milliseconds(300) }
        try await TestServer.with(settings: settings, routes: [
            "/big": streamUntilWriteFails(recordingIn: thrown)
        ]) { test throws in
            let socket = try await offPool { try RawSocket.connect(port: test.port) }
            socket.send("GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(await eventually { thrown.get() != nil })
            #expect(thrown.get() as? HTTPDError == .connectionClosed)
            // Once it reads again it finds the connection closed, the response cut short.
            let received = try await offPool { socket.receiveUntilClose() }
            #expect(received.count < 100_000 * (1 << 16))
            #expect(try await test.request("/elsewhere").status == 404)
        }
    }
}
