import HTTPD
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Small limits, so the tests can sit on either side of each one.
private let small = testSettings {
    $0.maxRequestHeaders = 8
    $0.maxTokenLength = 64
    $0.maxRequestBodyLength = 100
}

/// `count` header lines `X-N: v` (Host not included).
private func headers(_ count: Int) -> String {
    (0..<count).map { "X-\($0): v\r\n" }.joined()
}

/// A request to `/after` with `extra` header lines, answered 200 on one connection, with the request
/// behind it answered too.
private func expectServed(
    _ request: String, settings: HTTPSettings = small, over transport: TestTransport = .plain,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let routes = ConformanceRoutes()
    try await TestServer.with(transport: transport, settings: settings, routes: routes.routes) { test throws in
        let client = try await test.connect()
        try await client.send(request + afterRequest)
        let first = try await client.readResponse()
        #expect(first?.status == 200, "got \(first?.statusLine ?? "nothing")", sourceLocation: sourceLocation)
        #expect(try await client.readResponse()?.text == "after", sourceLocation: sourceLocation)
    }
}

/// The settings' limits (`maxRequestHeaders`, `maxTokenLength`, `maxRequestBodyLength`), each tested on
/// both sides, and enforced while the bytes arrive rather than after they were buffered.
@Suite("Conformance: limits")
struct LimitTests {
    @Test("as many header lines as the maximum are served; one more → 431 and close", arguments: TestTransport.tested)
    func headerCount(over transport: TestTransport) async throws {
        try await expectServed("GET /after HTTP/1.1\r\nHost: a\r\n" + headers(7) + "\r\n", over: transport)
        try await expectRejected(
            "GET /after HTTP/1.1\r\nHost: a\r\n" + headers(8) + "\r\n", with: [431], settings: small, over: transport)
    }

    @Test("a header name as long as the token limit is served; one byte more → 431 and close")
    func headerName() async throws {
        let name = "X-" + String(repeating: "n", count: 62)
        try await expectServed("GET /after HTTP/1.1\r\nHost: a\r\n\(name): v\r\n\r\n")
        try await expectRejected("GET /after HTTP/1.1\r\nHost: a\r\n\(name)n: v\r\n\r\n", with: [431], settings: small)
    }

    @Test("a header value as long as the token limit is served; one byte more → 431 and close", arguments: TestTransport.tested)
    func headerValue(over transport: TestTransport) async throws {
        let value = String(repeating: "v", count: 64)
        try await expectServed("GET /after HTTP/1.1\r\nHost: a\r\nX-A: \(value)\r\n\r\n", over: transport)
        try await expectRejected(
            "GET /after HTTP/1.1\r\nHost: a\r\nX-A: \(value)v\r\n\r\n", with: [431], settings: small, over: transport)
    }

    @Test("a request target as long as the token limit is served; one byte more → 414 and close", arguments: TestTransport.tested)
    func target(over transport: TestTransport) async throws {
        let target = "/after?" + String(repeating: "q", count: 57)
        #expect(target.utf8.count == 64)
        try await expectServed("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n", over: transport)
        try await expectRejected("GET \(target)q HTTP/1.1\r\nHost: a\r\n\r\n", with: [414], settings: small, over: transport)
    }

    @Test("every limit reached at once is still served: NIOHTTP1's own limits are not lower than ours")
    func allLimitsAtOnce() async throws {
        let name = String(repeating: "n", count: 64)
        let value = String(repeating: "v", count: 64)
        let lines = (0..<7).map { "\(name.dropLast(2))\($0 + 10): \(value)\r\n" }.joined()
        let target = "/after?" + String(repeating: "q", count: 57)
        try await expectServed("GET \(target) HTTP/1.1\r\nHost: \(value)\r\n" + lines + "\r\n")
        // The reference defaults: 256 lines with 1024-byte names and values, a 1024-byte target (~520 KiB).
        let big = HTTPSettings.referenceDefaults
        let bigName = String(repeating: "n", count: 1020)
        let bigValue = String(repeating: "v", count: 1024)
        let bigLines = (0..<255).map { "\(bigName)\(1000 + $0): \(bigValue)\r\n" }.joined()
        let bigTarget = "/after?" + String(repeating: "q", count: 1017)
        try await expectServed("GET \(bigTarget) HTTP/1.1\r\nHost: a\r\n" + bigLines + "\r\n", settings: big)
    }

    @Test("a declared body as large as the maximum is read; one byte more → 413 and close before it is sent",
          arguments: TestTransport.tested)
    func declaredBody(over transport: TestTransport) async throws {
        let routes = ConformanceRoutes()
        try await TestServer.with(transport: transport, settings: small, routes: routes.routes) { test throws in
            let client = try await test.connect()
            let body = String(repeating: "b", count: 100)
            try await client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n" + body)
            #expect(try await client.readResponse()?.text == body)
            // The 413 comes for the head alone: the body is never sent.
            try await client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 413)
            #expect(response.header("Connection") == "close")
            #expect(try await client.readUntilClose() == "")
            try await expectFreshConnectionServed(test, routes: routes)
        }
    }

    @Test("a chunked body over the maximum → 413 and close; the request behind it is not served", arguments: TestTransport.tested)
    func chunkedBody(over transport: TestTransport) async throws {
        let chunk = String(repeating: "c", count: 60)
        let body = "3c\r\n\(chunk)\r\n3c\r\n\(chunk)\r\n0\r\n\r\n"
        try await expectRejected(
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body, with: [413], settings: small,
            over: transport)
    }

    @Test("Expect: 100-continue with a chunked body: 100 Continue, then 413 once the body passes the maximum",
          arguments: TestTransport.tested)
    func expectContinueChunked(over transport: TestTransport) async throws {
        let routes = ConformanceRoutes()
        try await TestServer.with(transport: transport, settings: small, routes: routes.routes) { test throws in
            let client = try await test.connect()
            try await client.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
            #expect(try await client.readResponse()?.status == 100)
            try await client.send("65\r\n" + String(repeating: "c", count: 101) + "\r\n0\r\n\r\n" + afterRequest)
            let response = try #require(try await client.readResponse())
            #expect(response.status == 413)
            #expect(response.header("Connection") == "close")
            #expect(try await client.readUntilClose() == "")
            #expect(routes.afterCount.get() == 0)
        }
    }

    @Test("an expectation other than 100-continue → 417 and close", arguments: [
        BadRequest("a teapot", "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx", [417]),
        BadRequest("100-continue with a suffix", "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continuex\r\nContent-Length: 1\r\n\r\nx", [417]),
        BadRequest("two expectations", "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx", [417]),
        BadRequest("an empty expectation", "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: \r\nContent-Length: 1\r\n\r\nx", [417]),
    ])
    func unknownExpectation(_ request: BadRequest) async throws {
        try await expectRejected(request.bytes, with: request.statuses)
    }

    /// A client that never stops sending gets its error while it is still sending: the server does not
    /// wait for (or buffer) more than about a limit's worth.
    struct Endless: Sendable, CustomTestStringConvertible {
        let name: String
        let start: String
        let filler: String
        let status: Int
        var testDescription: String { name }
    }

    @Test("limits hold while the bytes arrive: an endless head or body is refused while it is still being sent", arguments: [
        Endless(name: "request line", start: "GET /", filler: "a", status: 414),
        Endless(name: "header value", start: "GET / HTTP/1.1\r\nHost: a\r\nX-A: ", filler: "v", status: 431),
        Endless(name: "header name", start: "GET / HTTP/1.1\r\nHost: a\r\nX-", filler: "n", status: 431),
        Endless(name: "header lines", start: "GET / HTTP/1.1\r\nHost: a\r\n", filler: "X-A: v\r\n", status: 431),
        Endless(name: "chunked body", start: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", filler: "400\r\n" + String(repeating: "b", count: 1024) + "\r\n", status: 413),
    ])
    func endless(_ request: Endless) async throws {
        let limit = 256 << 20
        try await TestServer.with(routes: ConformanceRoutes().routes) { test throws in
            let socket = try await offPool { try RawSocket.connect(port: test.port) }
            let answered = Atomic(false)
            let sent = Atomic(0)
            let sender = Task {
                try await offPool {
                    let piece = Array(String(repeating: request.filler, count: max(1, 65536 / request.filler.utf8.count)).utf8)
                    guard socket.send(request.start) else { return }
                    sent.add(request.start.utf8.count, ordering: .relaxed)
                    while !answered.load(ordering: .relaxed), sent.load(ordering: .relaxed) < limit {
                        guard socket.send(piece) else { return }
                        sent.add(piece.count, ordering: .relaxed)
                        // A breath per 64 KiB, so that the reader (starved under ThreadSanitizer) reads the
                        // answer before the server, discarding at most 64 MiB after it, gives up and resets.
                        usleep(1000)
                    }
                }
            }
            // Read the response head as it arrives, while the sender is still sending; note how much
            // had been sent at that moment.
            let (head, sentWhenAnswered) = try await offPool { () -> (String, Int) in
                var bytes: [UInt8] = []
                while let part = socket.receive(), !part.isEmpty {
                    bytes += part
                    if bytes.count >= 12 { break }
                }
                let sentThen = sent.load(ordering: .relaxed)
                answered.store(true, ordering: .relaxed)
                return (String(decoding: bytes, as: UTF8.self), sentThen)
            }
            try await sender.value
            // Under ThreadSanitizer, amid the whole suite, the reading thread can be starved past the
            // server's 2 s linger: the server then closes a connection whose client is still sending,
            // the reset drops the unread answer, and the reader sees nothing. The plain run proves the
            // answer; here an empty read is that artefact, and the server must still serve.
            if !(underThreadSanitizer && head.isEmpty) {
                #expect(head.hasPrefix("HTTP/1.1 \(request.status) "), "got \(head.debugDescription)")
                #expect(sentWhenAnswered < limit, "answered only after \(sentWhenAnswered) bytes")
            }
            socket.close()
            #expect(try await test.request("/").status == 200)
        }
    }
}
