import HTTPD
import Testing

/// One bad request and the statuses it may get.
struct BadRequest: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let statuses: Set<Int>

    init(_ name: String, _ text: String, _ statuses: Set<Int> = [400]) {
        self.name = name
        self.bytes = Array(text.utf8)
        self.statuses = statuses
    }

    var testDescription: String { name }
}

/// A head for `/echo` (whose handler reads the body) with `headers` added.
private func echo(_ headers: String, body: String = "") -> String {
    "POST /echo HTTP/1.1\r\nHost: a\r\n\(headers)\r\n\(body)"
}

/// A chunked request to `/echo` whose body is `chunks`.
private func chunked(_ chunks: String) -> String {
    echo("Transfer-Encoding: chunked\r\n", body: chunks)
}

/// Framing and smuggling (RFC 9112 §6): every ambiguous or malformed way of saying where a request
/// ends is refused with a close, so no byte of it is ever read as the start of another request.
@Suite("Conformance: framing and smuggling")
struct FramingTests {
    @Test("Content-Length together with Transfer-Encoding → 400 and close", arguments: [
        BadRequest("TE after CL", echo("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", body: "0\r\n\r\n")),
        BadRequest("TE before CL", echo("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", body: "0\r\n\r\n")),
        BadRequest("CL 0 with TE", echo("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n", body: "0\r\n\r\n")),
        BadRequest("TE in capitals", echo("Content-Length: 5\r\nTRANSFER-ENCODING: CHUNKED\r\n", body: "0\r\n\r\n")),
    ], TestTransport.tested)
    func lengthAndEncoding(_ request: BadRequest, over transport: TestTransport) async throws {
        try await expectRejected(request.bytes, with: request.statuses, over: transport)
    }

    @Test("Content-Length that is not one plain decimal number → 400 and close", arguments: [
        BadRequest("two different values", echo("Content-Length: 3\r\nContent-Length: 4\r\n", body: "abcd")),
        BadRequest("a list of different values", echo("Content-Length: 3, 4\r\n", body: "abcd")),
        BadRequest("plus sign", echo("Content-Length: +5\r\n", body: "abcde")),
        BadRequest("hexadecimal", echo("Content-Length: 0x10\r\n", body: "abcde")),
        BadRequest("underscore", echo("Content-Length: 1_0\r\n", body: "abcde")),
        BadRequest("inner space", echo("Content-Length: 5 5\r\n", body: "abcde")),
        BadRequest("negative", echo("Content-Length: -1\r\n", body: "abcde")),
        BadRequest("empty", echo("Content-Length: \r\n", body: "abcde")),
        BadRequest("letters", echo("Content-Length: five\r\n", body: "abcde")),
        BadRequest("2^63", echo("Content-Length: 9223372036854775808\r\n", body: "abcde")),
        BadRequest("2^64", echo("Content-Length: 18446744073709551616\r\n", body: "abcde")),
        BadRequest("many digits", echo("Content-Length: \(String(repeating: "9", count: 40))\r\n", body: "abcde")),
    ])
    func badContentLength(_ request: BadRequest) async throws {
        try await expectRejected(request.bytes, with: request.statuses)
    }

    @Test("Transfer-Encoding other than a final chunked → 501 or 400 and close", arguments: [
        BadRequest("gzip", echo("Transfer-Encoding: gzip\r\n", body: "abc"), [400, 501]),
        BadRequest("identity", echo("Transfer-Encoding: identity\r\n", body: "abc"), [400, 501]),
        BadRequest("chunked, then gzip", echo("Transfer-Encoding: chunked, gzip\r\n", body: "0\r\n\r\n"), [400, 501]),
        BadRequest("gzip, then chunked", echo("Transfer-Encoding: gzip, chunked\r\n", body: "0\r\n\r\n"), [400, 501]),
        BadRequest("chunked twice", echo("Transfer-Encoding: chunked, chunked\r\n", body: "0\r\n\r\n"), [400, 501]),
        BadRequest("chunked, then a gzip line", echo("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n", body: "0\r\n\r\n"), [400, 501]),
        BadRequest("a lookalike", echo("Transfer-Encoding: xchunked\r\n", body: "0\r\n\r\n"), [400, 501]),
        BadRequest("empty", echo("Transfer-Encoding: \r\n", body: "0\r\n\r\n"), [400, 501]),
        BadRequest("chunked in HTTP/1.0", "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", [400, 501]),
    ])
    func badTransferEncoding(_ request: BadRequest) async throws {
        try await expectRejected(request.bytes, with: request.statuses)
    }

    @Test("malformed chunked framing → 400 and close", arguments: [
        BadRequest("size not hex", chunked("zz\r\nabc\r\n0\r\n\r\n")),
        BadRequest("size with a sign", chunked("+3\r\nabc\r\n0\r\n\r\n")),
        BadRequest("size with a 0x prefix", chunked("0x3\r\nabc\r\n0\r\n\r\n")),
        BadRequest("size empty", chunked("\r\nabc\r\n0\r\n\r\n")),
        BadRequest("size overflows 64 bits", chunked("10000000000000000\r\nabc\r\n0\r\n\r\n")),
        BadRequest("size of 40 hex digits", chunked(String(repeating: "f", count: 40) + "\r\nabc\r\n0\r\n\r\n")),
        BadRequest("bare LF after the size", chunked("3\nabc\r\n0\r\n\r\n")),
        BadRequest("bare LF after the data", chunked("3\r\nabc\n0\r\n\r\n")),
        BadRequest("bare CR after the data", chunked("3\r\nabc\r0\r\n\r\n")),
        BadRequest("data longer than the size", chunked("3\r\nabcdef\r\n0\r\n\r\n")),
        BadRequest("a NUL in a chunk extension", chunked("3;a\u{0}=b\r\nabc\r\n0\r\n\r\n")),
        BadRequest("a trailer without a colon", chunked("3\r\nabc\r\n0\r\nno colon here\r\n\r\n")),
        BadRequest("a folded trailer", chunked("3\r\nabc\r\n0\r\nX-T: a\r\n b\r\n\r\n")),
        BadRequest("a trailer with a NUL", chunked("3\r\nabc\r\n0\r\nX-T: a\u{0}b\r\n\r\n")),
    ], TestTransport.tested)
    func badChunks(_ request: BadRequest, over transport: TestTransport) async throws {
        try await expectRejected(request.bytes, with: request.statuses, over: transport)
    }

    @Test("a header or request line that breaks the grammar → 400 and close", arguments: [
        BadRequest("obs-fold with a space", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n"),
        BadRequest("obs-fold with a tab", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n"),
        BadRequest("obs-fold on the first header", "GET / HTTP/1.1\r\n Host: a\r\n\r\n"),
        BadRequest("a space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
        BadRequest("a tab before the colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"),
        BadRequest("no colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColonHere\r\n\r\n"),
        BadRequest("an empty name", "GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n"),
        BadRequest("a space in the name", "GET / HTTP/1.1\r\nHost: a\r\nX Y: v\r\n\r\n"),
        BadRequest("a NUL in a name", "GET / HTTP/1.1\r\nHost: a\r\nX\u{0}Y: v\r\n\r\n"),
        BadRequest("a NUL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: v\u{0}w\r\n\r\n"),
        BadRequest("a control character in a value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: v\u{1}w\r\n\r\n"),
        BadRequest("DEL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: v\u{7F}w\r\n\r\n"),
        BadRequest("a bare CR in a value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: v\rw\r\n\r\n"),
        BadRequest("a control character in a name", "GET / HTTP/1.1\r\nHost: a\r\nX\u{1}: v\r\n\r\n"),
        BadRequest("not a request line", "NOT A REQUEST\r\n\r\n"),
        BadRequest("binary garbage", "\u{16}\u{3}\u{1}\u{0}\u{A5}\u{1}\u{0}\u{0}\u{A1}\u{3}\u{3}\r\n\r\n"),
        BadRequest("no target", "GET HTTP/1.1\r\nHost: a\r\n\r\n"),
        // Read as an HTTP/0.9 request line: 505 says so as well as 400 would.
        BadRequest("no version", "GET /\r\nHost: a\r\n\r\n", [400, 505]),
        BadRequest("a NUL in the target", "GET /a\u{0}b HTTP/1.1\r\nHost: a\r\n\r\n"),
        BadRequest("a space in the target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n"),
        BadRequest("a lower-case protocol", "GET / http/1.1\r\nHost: a\r\n\r\n"),
        BadRequest("a method with a slash", "G/T / HTTP/1.1\r\nHost: a\r\n\r\n"),
    ])
    func badSyntax(_ request: BadRequest) async throws {
        try await expectRejected(request.bytes, with: request.statuses)
    }

    @Test("a request line with a malformed version → 400 and close (not 505: that is for a version not supported)")
    func badRequestLineVersion() async throws {
        try await expectRejected("GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n", with: [400])
        try await expectRejected("GET / HTTP/1.1x\r\nHost: a\r\n\r\n", with: [400])
        try await expectRejected("GET / HTTP/11\r\nHost: a\r\n\r\n", with: [400])
    }

    @Test("Host: missing or repeated in HTTP/1.1, repeated in HTTP/1.0 → 400 and close", arguments: [
        BadRequest("HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n"),
        BadRequest("HTTP/1.1 with two equal Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"),
        BadRequest("HTTP/1.1 with Host and host", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"),
        BadRequest("HTTP/1.0 with two Hosts", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"),
    ])
    func badHost(_ request: BadRequest) async throws {
        try await expectRejected(request.bytes, with: request.statuses)
    }

    @Test("HTTP/1.0 without Host is served")
    func http10WithoutHost() async throws {
        let routes = ConformanceRoutes()
        try await TestServer.with(routes: routes.routes) { test throws in
            let client = try await test.connect()
            try await client.send("GET /after HTTP/1.0\r\n\r\n")
            #expect(try await client.readResponse()?.status == 200)
        }
    }

    @Test("a version other than 1.0 and 1.1 → 505 and close", arguments: [
        BadRequest("HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", [505]),
        BadRequest("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", [505]),
        BadRequest("HTTP/3.0", "GET / HTTP/3.0\r\nHost: a\r\n\r\n", [505]),
        BadRequest("HTTP/0.9", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", [505]),
        BadRequest("HTTP/9.9", "GET / HTTP/9.9\r\nHost: a\r\n\r\n", [505]),
    ], TestTransport.tested)
    func badVersion(_ request: BadRequest, over transport: TestTransport) async throws {
        try await expectRejected(request.bytes, with: request.statuses, over: transport)
    }

    @Test("an unread chunked body is skipped so the next pipelined request is answered", arguments: TestTransport.tested)
    func unreadChunkedBodySkipped(over transport: TestTransport) async throws {
        let routes = ConformanceRoutes()
        try await TestServer.with(transport: transport, routes: routes.routes) { test throws in
            let client = try await test.connect()
            let chunk = String(repeating: "GET /after HTTP/1.1\r\n", count: 100)
            let body = String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n0\r\n\r\n"
            try await client.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body + afterRequest)
            #expect(try await client.readResponse()?.text == "hello /")
            #expect(try await client.readResponse()?.text == "after")
            #expect(routes.afterCount.get() == 1)
        }
    }

    @Test("an unread body over the limit is not skipped: the connection closes after the answer")
    func unreadBodyOverLimitCloses() async throws {
        let routes = ConformanceRoutes()
        let settings = testSettings { $0.maxRequestBodyLength = 1000 }
        try await TestServer.with(settings: settings, routes: routes.routes) { test throws in
            let client = try await test.connect()
            let chunk = String(repeating: "x", count: 4000)
            try await client.send(
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n0\r\n\r\n" + afterRequest)
            let response = try #require(try await client.readResponse())
            #expect(response.text == "hello /")
            #expect(try await client.readUntilClose() == "")
            #expect(routes.afterCount.get() == 0)
            try await expectFreshConnectionServed(test, routes: routes)
        }
    }
}
