import HTTPD
import Testing

/// A handler that reports what it saw of its request, one `name=value` per line: method, url, path,
/// host (as the multiplexer routes it), then every header as the handler reads it, in brackets so
/// whitespace shows.
private let describe: HTTPHandler = { request, response in
    var lines = ["method=\(request.method)", "url=\(request.url)", "path=\(request.path)", "host=[\(request.host ?? "nil")]"]
    for (name, value) in request.headers { lines.append("\(name)=[\(value)]") }
    let body = try await request.body()
    lines.append("body=\(body.map { String(decoding: $0, as: UTF8.self) } ?? "nil")")
    try await response.write(status: 200, body: lines.joined(separator: "\n"))
}

/// A multiplexer that answers every request with the host and path it was asked to route.
private let hostEcho = CustomHTTPMux(get: { host, path in
    let answer: HTTPHandler = { _, response in try await response.write(status: 200, body: "\(host ?? "nil") \(path)") }
    return answer
})

/// Sends `request` then `afterRequest` on one connection; both must be answered (the second with
/// "after"), the connection left open. Returns the first response.
private func expectServedAndKeptOpen(
    _ request: String, routes: ConformanceRoutes = ConformanceRoutes(), extra: [String: HTTPHandler] = [:],
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> RawResponse? {
    var first: RawResponse?
    try await TestServer.with(routes: routes.routes.merging(extra) { $1 }) { test throws in
        let client = try await test.connect()
        try await client.send(request + afterRequest)
        first = try await client.readResponse()
        let second = try await client.readResponse()
        #expect(second?.text == "after", "the request behind it was not served", sourceLocation: sourceLocation)
        #expect(first?.header("Connection") != "close", sourceLocation: sourceLocation)
    }
    return first
}

/// The requirements of RFC 9112 and RFC 9110 a server owes that the other conformance suites do not
/// already prove, each named by its section (docs/CONFORMANCE.md lists them all).
@Suite("Conformance: RFC 9112 and RFC 9110 requirements")
struct RFC9112Tests {
    // MARK: Field values (RFC 9112 §5, RFC 9110 §5.5)

    @Test("§5: the whitespace around a field value is not part of it: the handler sees `value`")
    func fieldValueWhitespace() async throws {
        let response = try await expectServedAndKeptOpen(
            "GET /d HTTP/1.1\r\nHost: x  \r\nX-A: \t  value \t \r\nX-B: in ner\t\r\n\r\n", extra: ["/d": describe])
        let lines = try #require(response).text.split(separator: "\n").map(String.init)
        #expect(lines.contains("X-A=[value]"))
        #expect(lines.contains("X-B=[in ner]"))
        #expect(lines.contains("Host=[x]"))
        #expect(lines.contains("host=[x]"))
    }

    @Test("§5: a Host value with trailing whitespace routes as the bare host")
    func hostWhitespaceRoutes() async throws {
        try await TestServer.with(mux: hostEcho) { test throws in
            let client = try await test.connect()
            try await client.send("GET /p HTTP/1.1\r\nHost: a.example  \t\r\n\r\n")
            #expect(try await client.readResponse()?.text == "a.example /p")
        }
    }

    @Test("§5: Content-Length with trailing spaces frames the body; the next request starts after it")
    func contentLengthWhitespace() async throws {
        for spaces in [" ", "   "] {
            let response = try await expectServedAndKeptOpen(
                "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\(spaces)\r\n\r\nhello")
            #expect(response?.status == 200)
            #expect(response?.text == "hello")
        }
    }

    @Test("§5: Content-Length followed by a tab → 400 and close (NIOHTTP1's parser refuses it; deliberate)")
    func contentLengthTab() async throws {
        try await expectRejected("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\t\r\n\r\nhello", with: [400])
    }

    @Test("§5: Expect: 100-continue with trailing whitespace gets 100 Continue")
    func expectWhitespace() async throws {
        try await TestServer.with(routes: ConformanceRoutes().routes) { test throws in
            let client = try await test.connect()
            try await client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue \r\n\r\n")
            #expect(try await client.readResponse()?.status == 100)
            try await client.send("hello")
            let response = try await client.readResponse()
            #expect(response?.status == 200)
            #expect(response?.text == "hello")
        }
    }

    @Test("RFC 9110 §5.5: obs-text (bytes of 0x80 and above) in a value is passed on as sent")
    func obsText() async throws {
        let response = try await expectServedAndKeptOpen(
            "GET /d HTTP/1.1\r\nHost: a\r\nX-A: caf\u{E9} \u{2603}\r\n\r\n", extra: ["/d": describe])
        #expect(try #require(response).text.contains("X-A=[caf\u{E9} \u{2603}]"))
    }

    // MARK: Host (RFC 9112 §3.2, RFC 9110 §7.2)

    @Test("§3.2: a Host value that is not uri-host [ \":\" port ] → 400 and close", arguments: [
        BadRequest("a space inside", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"),
        BadRequest("a path", "GET / HTTP/1.1\r\nHost: bad host/x\r\n\r\n"),
        BadRequest("a slash", "GET / HTTP/1.1\r\nHost: a.example/x\r\n\r\n"),
        BadRequest("userinfo", "GET / HTTP/1.1\r\nHost: user@a.example\r\n\r\n"),
        BadRequest("a port that is not digits", "GET / HTTP/1.1\r\nHost: a.example:http\r\n\r\n"),
        BadRequest("two colons", "GET / HTTP/1.1\r\nHost: a.example:80:80\r\n\r\n"),
        BadRequest("an unclosed IP literal", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"),
        BadRequest("an IP literal that is not one", "GET / HTTP/1.1\r\nHost: [a.example]\r\n\r\n"),
        BadRequest("text after an IP literal", "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n"),
        BadRequest("a bad percent escape", "GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n"),
        BadRequest("a URL", "GET / HTTP/1.1\r\nHost: http://a.example\r\n\r\n"),
        BadRequest("a quote", "GET / HTTP/1.1\r\nHost: \"a\"\r\n\r\n"),
        BadRequest("in HTTP/1.0 too", "GET / HTTP/1.0\r\nHost: a b\r\n\r\n"),
    ])
    func badHostValue(_ request: BadRequest) async throws {
        try await expectRejected(request.bytes, with: request.statuses)
    }

    @Test("§3.2: Host values in the grammar are served", arguments: [
        "a.example", "a.example:8080", "A.EXAMPLE", "127.0.0.1:80", "[::1]", "[::1]:8080", "[v1.x:y]",
        "xn--bcher-kva.example", "a%41.example", "a.example:", "",
    ])
    func goodHostValue(_ host: String) async throws {
        let response = try await expectServedAndKeptOpen("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n")
        #expect(response?.status == 200)
    }

    // MARK: Request target (RFC 9112 §3.2)

    @Test("§3.2.2: an absolute-form target's authority decides routing and Host is ignored")
    func absoluteFormRoutes() async throws {
        try await TestServer.with(mux: hostEcho) { test throws in
            let client = try await test.connect()
            try await client.send("GET http://a.example/x HTTP/1.1\r\nHost: b.example\r\n\r\n")
            #expect(try await client.readResponse()?.text == "a.example /x")
            try await client.send("GET HTTPS://a.example:8443?q HTTP/1.1\r\nHost: b.example\r\n\r\n")
            #expect(try await client.readResponse()?.text == "a.example:8443 /")
            try await client.send("GET /x HTTP/1.1\r\nHost: b.example\r\n\r\n")
            #expect(try await client.readResponse()?.text == "b.example /x")
        }
    }

    @Test("§3.2: a target in no form the method allows → 400 and close", arguments: [
        BadRequest("asterisk-form with GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n"),
        BadRequest("asterisk-form with POST", "POST * HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
        BadRequest("authority-form with GET", "GET a.example:80 HTTP/1.1\r\nHost: a\r\n\r\n"),
        BadRequest("a fragment", "GET /#frag HTTP/1.1\r\nHost: a\r\n\r\n"),
        BadRequest("a fragment after a query", "GET /a?b#c HTTP/1.1\r\nHost: a\r\n\r\n"),
        BadRequest("a fragment in absolute-form", "GET http://a.example/x#f HTTP/1.1\r\nHost: a\r\n\r\n"),
        BadRequest("absolute-form without a host", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n"),
        BadRequest("absolute-form with userinfo", "GET http://u:p@a.example/x HTTP/1.1\r\nHost: a\r\n\r\n"),
        BadRequest("absolute-form with a bad port", "GET http://a.example:x/ HTTP/1.1\r\nHost: a\r\n\r\n"),
        BadRequest("a scheme other than http(s)", "GET ftp://a.example/x HTTP/1.1\r\nHost: a\r\n\r\n"),
        BadRequest("a relative path", "GET x/y HTTP/1.1\r\nHost: a\r\n\r\n"),
    ])
    func badTargetForm(_ request: BadRequest) async throws {
        try await expectRejected(request.bytes, with: request.statuses)
    }

    @Test("RFC 9110 §9.3.6: CONNECT (a tunnel this server does not open) → 501 and close", arguments: [
        BadRequest("authority-form", "CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n", [501]),
        BadRequest("origin-form", "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", [501]),
    ])
    func connect(_ request: BadRequest) async throws {
        try await expectRejected(request.bytes, with: request.statuses)
    }

    @Test("§3.2.4, RFC 9110 §9.3.7: OPTIONS * is 200 with Content-Length: 0 and the connection stays open")
    func optionsAsterisk() async throws {
        let response = try await expectServedAndKeptOpen("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(response?.status == 200)
        #expect(response?.header("Content-Length") == "0")
    }

    @Test("RFC 9110 §9.3.8: TRACE echoes the request as message/http without its credentials")
    func traceWithoutCredentials() async throws {
        try await TestServer.with(settings: testSettings { $0.traceEnabled = true }) { test throws in
            let client = try await test.connect()
            try await client.send(
                "TRACE /t HTTP/1.1\r\nHost: a\r\nAuthorization: Basic c2VjcmV0\r\nCookie: id=secret\r\nproxy-authorization: x\r\nX-A: b\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "message/http")
            #expect(response.text == "TRACE /t HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\r\n")
        }
    }

    // MARK: Request line (RFC 9112 §2.2, §3)

    @Test("§2.2: a bare LF ending a line → 400 (never 505: the version is fine) and close", arguments: [
        BadRequest("every line", "GET / HTTP/1.1\nHost: x\n\n"),
        BadRequest("the request line", "GET / HTTP/1.1\nHost: x\r\n\r\n"),
        BadRequest("HTTP/1.0", "GET / HTTP/1.0\n\n"),
        BadRequest("a header line", "GET / HTTP/1.1\r\nHost: x\n\r\n"),
        BadRequest("the blank line", "GET / HTTP/1.1\r\nHost: x\r\n\n"),
        BadRequest("a CR without LF after the version", "GET / HTTP/1.1\rHost: x\r\n\r\n"),
        BadRequest("HTTP/2.0", "GET / HTTP/2.0\nHost: x\n\n"),
    ])
    func bareLineFeed(_ request: BadRequest) async throws {
        try await expectRejected(request.bytes, with: request.statuses)
    }

    @Test("§2.3: a version refused before its line ends (HTTP/1.2, then a bare LF) → 505 and close")
    func unsupportedVersionBareLineFeed() async throws {
        try await expectRejected("GET / HTTP/1.2\nHost: x\n\n", with: [505])
    }

    @Test("§3: several spaces between the request line's parts are read as one (the MAY of §3), served")
    func severalSpaces() async throws {
        let response = try await expectServedAndKeptOpen("GET  /d   HTTP/1.1\r\nHost: a\r\n\r\n", extra: ["/d": describe])
        let lines = try #require(response).text.split(separator: "\n").map(String.init)
        #expect(lines.prefix(3) == ["method=GET", "url=/d", "path=/d"])
    }

    @Test("§2.2: empty lines before the request line are ignored")
    func emptyLinesBeforeRequest() async throws {
        let response = try await expectServedAndKeptOpen("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(response?.status == 200)
    }

    @Test("RFC 9110 §9.1: a method NIOHTTP1 does not know, or in lower case → 400 and close", arguments: [
        BadRequest("unknown", "FROB / HTTP/1.1\r\nHost: a\r\n\r\n"),
        BadRequest("lower case", "get / HTTP/1.1\r\nHost: a\r\n\r\n"),
    ])
    func unknownMethod(_ request: BadRequest) async throws {
        try await expectRejected(request.bytes, with: request.statuses)
    }

    @Test("RFC 9110 §9.1: a method NIOHTTP1 knows but HTTP does not define reaches the handler")
    func registeredExtensionMethod() async throws {
        let response = try await expectServedAndKeptOpen("PROPFIND /d HTTP/1.1\r\nHost: a\r\n\r\n", extra: ["/d": describe])
        #expect(response?.text.hasPrefix("method=PROPFIND\n") == true)
    }

    // MARK: Body and chunked coding (RFC 9112 §6, §7)

    @Test("§7.1.1: a chunk extension is ignored; with whitespace before its `;` → 400 and close (deliberate)")
    func chunkExtensions() async throws {
        let response = try await expectServedAndKeptOpen(
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n2;a;b=\"q s\"\r\n!!\r\n0\r\n\r\n")
        #expect(response?.text == "hello!!")
        try await expectRejected(
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 ;name=value\r\nhello\r\n0\r\n\r\n", with: [400])
        try await expectRejected(
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5; name=value\r\nhello\r\n0\r\n\r\n", with: [400])
    }

    @Test("§7.1.2: trailer fields are not merged into the header section the handler sees")
    func trailersNotMerged() async throws {
        let response = try await expectServedAndKeptOpen(
            "POST /d HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n",
            extra: ["/d": describe])
        let text = try #require(response).text
        #expect(text.contains("body=abc"))
        #expect(!text.contains("X-Trailer"))
    }

    @Test("RFC 9110 §6.5.1: a framing field (Content-Length) in the trailer section → 400 and close (deliberate)")
    func framingFieldInTrailer() async throws {
        try await expectRejected(
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nContent-Length: 99\r\n\r\n",
            with: [400])
    }

    @Test("§6.3: a request without Content-Length or Transfer-Encoding has no body; the next request starts at once")
    func noFramingNoBody() async throws {
        let response = try await expectServedAndKeptOpen("POST /echo HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(response?.text == "nil")
    }

    @Test("RFC 9110 §5.6.1: empty list elements before chunked and in Expect are ignored; after chunked → 400 (deliberate)")
    func emptyListElements() async throws {
        for coding in [", chunked", " , ,chunked"] {
            let response = try await expectServedAndKeptOpen(
                "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \(coding)\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
            #expect(response?.text == "abc", "Transfer-Encoding: \(coding)")
        }
        // NIOHTTP1's parser reads `chunked,` as chunked not being last: refused, never framed another way.
        try await expectRejected(
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n3\r\nabc\r\n0\r\n\r\n", with: [400])
        try await TestServer.with(routes: ConformanceRoutes().routes) { test throws in
            let client = try await test.connect()
            try await client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: , 100-continue,\r\n\r\n")
            #expect(try await client.readResponse()?.status == 100)
            try await client.send("hello")
            #expect(try await client.readResponse()?.text == "hello")
        }
    }

    @Test("§7.1: parameters on chunked → 400 and close")
    func chunkedWithParameters() async throws {
        try await expectRejected(
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n3\r\nabc\r\n0\r\n\r\n", with: [400])
    }

    @Test("RFC 9110 §9.3.1: content in a GET request is framed by its Content-Length and skipped")
    func getWithContent() async throws {
        let response = try await expectServedAndKeptOpen("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 15\r\n\r\nGET /x HTTP/1.1")
        #expect(response?.text == "hello /")
    }

    @Test("§6.1: Transfer-Encoding chunked with trailing whitespace is chunked")
    func transferEncodingWhitespace() async throws {
        let response = try await expectServedAndKeptOpen(
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked \r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        #expect(response?.text == "abc")
    }

    // MARK: Expect (RFC 9110 §10.1.1)

    @Test("RFC 9110 §10.1.1: 100-continue in an HTTP/1.0 request is ignored: no 100, the body is read")
    func expectInHTTP10() async throws {
        try await TestServer.with(routes: ConformanceRoutes().routes) { test throws in
            let client = try await test.connect()
            try await client.send("POST /echo HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello")
            let response = try await client.readResponse()
            #expect(response?.status == 200)
            #expect(response?.text == "hello")
        }
    }

    // MARK: Preconditions and ranges, as the file server answers them (RFC 9110 §13, §14, §15)

    @Test("RFC 9110 §13.2.1: preconditions are ignored when the answer would be neither 2xx nor 412; If-Range needs Range; 304 as §15.4.5 says")
    func fileServerPreconditions() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            #expect(try await server.raw("/static/hello.txt", method: "POST", headers: ["If-Match: \"nope\""]).status == 405)
            #expect(try await server.raw("/static/missing.txt", headers: ["If-None-Match: *"]).status == 404)
            #expect(try await server.raw("/static/sub", headers: ["If-Match: \"nope\""]).status == 301)
            let ifRangeAlone = try await server.raw("/static/data.bin", headers: ["If-Range: \"nope\""])
            #expect(ifRangeAlone.status == 200)
            #expect(ifRangeAlone.body.count == 10_000)
            let etag = try #require(try await server.raw("/static/hello.txt").header("ETag"))
            let notModified = try await server.raw("/static/hello.txt", headers: ["If-None-Match: \(etag)"])
            #expect(notModified.status == 304)
            #expect(notModified.header("Date") != nil)
            #expect(notModified.header("ETag") == etag)
            #expect(notModified.header("Content-Type") == nil)
            #expect(notModified.header("Content-Length") == nil)
        }
    }

    // MARK: Upgrade (RFC 9110 §7.8)

    @Test("RFC 9110 §7.8: Upgrade is ignored: the request is served, then the connection closes (nothing behind it is read)")
    func upgradeIgnored() async throws {
        let routes = ConformanceRoutes()
        try await TestServer.with(routes: routes.routes) { test throws in
            let client = try await test.connect()
            try await client.send(
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n"
                    + afterRequest)
            let response = try await client.readResponse()
            #expect(response?.status == 200)
            #expect(response?.text == "hello /")
            #expect(response?.header("Connection") == "close")
            #expect(response?.header("Upgrade") == nil)
            #expect(try await client.readUntilClose() == "")
            #expect(routes.afterCount.get() == 0)
            try await expectFreshConnectionServed(test, routes: routes)
        }
    }

    // MARK: Connection (RFC 9112 §9)

    @Test("§9.6: after a request with Connection: close the server closes and serves nothing more")
    func connectionCloseEndsConnection() async throws {
        let routes = ConformanceRoutes()
        try await TestServer.with(routes: routes.routes) { test throws in
            let client = try await test.connect()
            try await client.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + afterRequest)
            #expect(try await client.readResponse()?.header("Connection") == "close")
            #expect(try await client.readUntilClose() == "")
            #expect(routes.afterCount.get() == 0)
        }
    }

    @Test("§9.6: Connection: close with trailing whitespace closes after the response")
    func connectionCloseWhitespace() async throws {
        try await TestServer.with(routes: ConformanceRoutes().routes) { test throws in
            let client = try await test.connect()
            try await client.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close \r\n\r\n")
            #expect(try await client.readResponse()?.header("Connection") == "close")
            #expect(try await client.isClosedByServer())
        }
    }

    @Test("§2.3: the response's version is HTTP/1.1 to HTTP/1.0 and HTTP/1.1 requests alike")
    func responseVersion() async throws {
        try await TestServer.with(routes: ConformanceRoutes().routes) { test throws in
            let client = try await test.connect()
            try await client.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await client.readResponse()?.statusLine.hasPrefix("HTTP/1.1 200") == true)
            try await client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try await client.readResponse()?.statusLine.hasPrefix("HTTP/1.1 200") == true)
        }
    }

    @Test("RFC 9110 §15.6.6: a 505 says which versions are supported")
    func versionNotSupportedBody() async throws {
        try await TestServer.with(routes: ConformanceRoutes().routes) { test throws in
            let client = try await test.connect()
            try await client.send("GET / HTTP/1.2\r\nHost: a\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 505)
            #expect(response.text.contains("HTTP/1.1 and HTTP/1.0"), "got \(response.text.debugDescription)")
        }
    }
}
