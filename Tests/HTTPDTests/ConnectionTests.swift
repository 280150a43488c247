import HTTPD
import Testing

private let hello: HTTPHandler = { request, response in
    try await response.write(status: 200, body: "hello \(request.path)")
}

private let echo: HTTPHandler = { request, response in
    try await response.write(status: 200, body: try await request.body() ?? Array("nil".utf8))
}

@Suite("Connections")
struct ConnectionTests {
    @Test("HTTP/1.1 keeps the connection open; Connection: close closes it with the header", arguments: TestTransport.tested)
    func keepAlive(over transport: TestTransport) async throws {
        try await TestServer.with(transport: transport, routes: ["/a": hello]) { test throws in
            let client = try await test.connect()
            for _ in 0..<3 {
                try await client.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
                let response = try #require(try await client.readResponse())
                #expect(response.text == "hello /a")
                #expect(response.header("Connection") == nil)
            }
            try await client.send("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(try await client.readResponse()?.header("Connection") == "close")
            #expect(try await client.isClosedByServer())
        }
    }

    @Test("HTTP/1.0 closes unless it asks for keep-alive", arguments: TestTransport.tested)
    func http10(over transport: TestTransport) async throws {
        try await TestServer.with(transport: transport, routes: ["/a": hello]) { test throws in
            let kept = try await test.connect()
            try await kept.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await kept.readResponse()?.header("Connection") == "keep-alive")
            try await kept.send("GET /a HTTP/1.0\r\n\r\n")
            #expect(try await kept.readResponse()?.header("Connection") == "close")
            #expect(try await kept.isClosedByServer())
        }
    }

    @Test("pipelined requests are answered in order, bodies and all", arguments: TestTransport.tested)
    func pipelining(over transport: TestTransport) async throws {
        try await TestServer.with(transport: transport, routes: ["/a": hello, "/e": echo]) { test throws in
            let client = try await test.connect()
            try await client.send(
                "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"
                    + "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nunread"
                    + "POST /e HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                    + "GET /e HTTP/1.1\r\nHost: x\r\n\r\n")
            var texts: [String] = []
            for _ in 0..<5 { texts.append(try #require(try await client.readResponse()).text) }
            #expect(texts == ["hello /a", "body", "hello /a", "abc", "nil"])
        }
    }

    @Test("a body the handler never reads is skipped so the next request is answered correctly", arguments: TestTransport.tested)
    func unreadBodyIsSkipped(over transport: TestTransport) async throws {
        try await TestServer.with(transport: transport, routes: ["/a": hello]) { test throws in
            let client = try await test.connect()
            try await client.send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
            #expect(try await client.readResponse()?.text == "hello /a")
            try await client.send(String(repeating: "G", count: 100000) + "GET /a?after HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse()?.text == "hello /a")
        }
    }

    @Test("Expect: 100-continue gets 100 Continue when the handler reads the body", arguments: TestTransport.tested)
    func expectContinue(over transport: TestTransport) async throws {
        try await TestServer.with(transport: transport, routes: ["/e": echo, "/a": hello]) { test throws in
            let client = try await test.connect()
            try await client.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            let interim = try #require(try await client.readResponse())
            #expect(interim.statusLine == "HTTP/1.1 100 Continue")
            try await client.send("hello")
            #expect(try await client.readResponse()?.text == "hello")
        }
    }

    @Test("Expect: 100-continue with a body over the limit gets 413 without sending the body")
    func expectContinueTooLarge() async throws {
        try await TestServer.with(settings: testSettings { $0.maxRequestBodyLength = 10 }, routes: ["/e": echo]) { test throws in
            let client = try await test.connect()
            try await client.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 413)
            #expect(try await client.isClosedByServer())
        }
    }

    @Test("a handler that does not read an expected body answers and closes")
    func expectContinueUnread() async throws {
        try await TestServer.with(routes: ["/a": hello]) { test throws in
            let client = try await test.connect()
            try await client.send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.text == "hello /a")
            #expect(response.header("Connection") == "close")
        }
    }

    @Test("a handler that throws gets 500 and the server goes on")
    func handlerThrows() async throws {
        struct Oops: Error {}
        try await TestServer.with(routes: [
            "/throw": { _, _ in throw Oops() },
            "/silent": { _, _ in },
            "/late": { _, response in
                try await response.begin(status: 200)
                try await response.chunk("partial")
                try await response.forceOutput()
                throw Oops()
            },
            "/a": hello,
        ]) { test throws in
            let client = try await test.connect()
            try await client.send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse()?.status == 500)
            try await client.send("GET /silent HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse()?.status == 500)
            try await client.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse()?.text == "hello /a")

            let cut = try await test.connect()
            try await cut.send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n")
            let text = try await cut.readUntilClose()
            #expect(text.contains("partial"))
            #expect(!text.hasSuffix("0\r\n\r\n"))
            #expect(try await test.request("/a").text == "hello /a")
        }
    }

    @Test("a handler error that implies a status answers with it")
    func errorStatus() async throws {
        try await TestServer.with(routes: [
            "/nf": { _, _ in throw HTTPDError.fileNotFound("x") },
            "/nr": { _, _ in throw HTTPDError.fileNotReadable("x") },
        ]) { test throws in
            #expect(try await test.request("/nf").status == 404)
            #expect(try await test.request("/nr").status == 403)
        }
    }

    @Test("OPTIONS * is 200; TRACE is 405 unless enabled, then echoed")
    func builtIns() async throws {
        try await TestServer.with(routes: ["/a": hello]) { test throws in
            let client = try await test.connect()
            try await client.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")
            let options = try #require(try await client.readResponse())
            #expect(options.status == 200)
            #expect(options.body.isEmpty)
            try await client.send("TRACE /a HTTP/1.1\r\nHost: x\r\nAuthorization: secret\r\n\r\n")
            let trace = try #require(try await client.readResponse())
            #expect(trace.status == 405)
            #expect(!trace.text.contains("secret"))
        }
        try await TestServer.with(settings: testSettings { $0.traceEnabled = true }) { test throws in
            let client = try await test.connect()
            try await client.send("TRACE /a HTTP/1.1\r\nHost: x\r\n\r\n")
            let trace = try #require(try await client.readResponse())
            #expect(trace.status == 200)
            #expect(trace.header("Content-Type") == "message/http")
            #expect(trace.text.hasPrefix("TRACE /a HTTP/1.1\r\nHost: x\r\n"))
        }
    }

    // Bad heads, the three timeouts and the lingering close are the conformance suite's
    // (Conformance/FramingTests, RFC9112Tests, TimeTests, LingeringCloseTests): not repeated here.
}
