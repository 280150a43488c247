import HTTPD
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The bounds a client cannot push the server past, however it behaves: output that does not drain
/// stops new requests, a closing connection goes within bounded time and bytes, and a chunked body's
/// framing cannot grow without data. (Memory under a pipelining flood is measured in a child process:
/// `WholeProcessTests.pipelineFlood`.)
@Suite("Conformance: bounded under abuse")
struct AbuseBoundsTests {
    /// `/big` answers 8 MiB in one write; `/` a few bytes.
    static let routes: [String: HTTPHandler] = [
        "/big": { _, response in try await response.write(status: 200, body: [UInt8](repeating: 0x62, count: 8 << 20)) },
        "/": { request, response in try await response.write(status: 200, body: request.params ?? "") },
    ]

    @Test("a client that pipelines and never reads: the response timeout closes the connection, the next request is not run")
    func pipelinedWithoutReading() async throws {
        let settings = testSettings { $0.responseTimeout = .seconds(1) }
        let routes = ConformanceRoutes()
        var handlers = Self.routes
        handlers["/after"] = routes.routes["/after"]
        try await TestServer.with(settings: settings, routes: handlers) { test throws in
            let socket = try await offPool { try RawSocket.connect(port: test.port) }
            socket.setReceiveBufferSize(4096)
            socket.setSendTimeout(milliseconds: 3000)
            // 8 MiB answers that the client never reads, then a request behind them.
            let requests = String(repeating: "GET /big HTTP/1.1\r\nHost: a\r\n\r\n", count: 4) + afterRequest
            _ = try await offPool { socket.sendWhileAccepted(Array(requests.utf8)) }
            #expect(await eventually(within: .seconds(10)) { test.server.connectionCount == 0 }, "the connection is still open")
            #expect(routes.afterCount.get() == 0, "a request behind unread answers was run")
            socket.reset()
        }
    }

    @Test("a closing connection whose client never reads is gone after the response timeout")
    func closingOutputBounded() async throws {
        try await TestServer.with(settings: testSettings { $0.responseTimeout = .seconds(1) }, routes: Self.routes) { test throws in
            let socket = try await offPool { try RawSocket.connect(port: test.port) }
            socket.setReceiveBufferSize(4096)
            _ = try await offPool { socket.send("GET /big HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n") }
            #expect(await eventually(within: .seconds(10)) { test.server.connectionCount == 0 }, "the connection is still open")
            socket.reset()
        }
    }

    @Test("a closing connection whose client keeps sending and never reads is cut off after a bounded number of bytes")
    func closingInputBounded() async throws {
        try await TestServer.with(routes: Self.routes) { test throws in
            let socket = try await offPool { try RawSocket.connect(port: test.port) }
            socket.setReceiveBufferSize(4096)
            let accepted = try await offPool { () -> Int in
                guard socket.send("GET /big HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n") else { return 0 }
                let piece = [UInt8](repeating: 0x64, count: 1 << 16)
                var total = 0
                for _ in 0..<(1 << 15) {  // 2 GiB at most
                    let sent = socket.sendWhileAccepted(piece)
                    total += sent
                    if sent < piece.count { break }
                }
                return total
            }
            socket.close()
            // 64 MiB discarded at most, plus what the socket buffers held.
            #expect(accepted < 128 << 20, "the server read and discarded \(accepted) bytes from a closing connection")
        }
    }

    @Test("an endless chunk extension gets 400 and a close while it is still arriving")
    func chunkExtension() async throws {
        let routes = ConformanceRoutes()
        try await TestServer.with(routes: routes.routes) { test throws in
            let client = try await test.connect()
            // 100 KB of one chunk's extension and no end to it yet: the answer comes while it arrives.
            try await client.send(
                "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;" + String(repeating: "a", count: 100_000))
            let response = try #require(try await client.readResponse(), "no answer while the extension arrives")
            #expect(response.status == 400)
            #expect(response.header("Connection") == "close")
            #expect(try await client.isClosedByServer())
            try await expectFreshConnectionServed(test, routes: routes)
        }
    }

    @Test("a chunk extension of maxTokenLength bytes, and many small chunks with extensions, are accepted")
    func chunkExtensionWithinBounds() async throws {
        try await TestServer.with(routes: ConformanceRoutes().routes) { test throws in
            let client = try await test.connect()
            let longExtension = "5;" + String(repeating: "e", count: 1000) + "\r\nhello\r\n"
            let smallChunks = String(repeating: "1;a=b\r\nx\r\n", count: 5000)
            try await client.send(
                "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + longExtension + smallChunks
                    + "0\r\nX-Trailer: 1\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 200)
            #expect(response.text == "hello" + String(repeating: "x", count: 5000))
        }
    }

    @Test("an endless trailer section gets 400 and a close")
    func endlessTrailers() async throws {
        try await TestServer.with(routes: ConformanceRoutes().routes) { test throws in
            let trailers = Array(String(repeating: "X-T: 1\r\n", count: 200_000).utf8)
            let (response, _) = try await sendWhileReading(
                port: test.port, head: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n",
                body: trailers)
            #expect(response.hasPrefix("HTTP/1.1 400 "), "got \(response.prefix(200).debugDescription)")
        }
    }
}
