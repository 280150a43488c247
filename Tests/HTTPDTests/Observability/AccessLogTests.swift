import HTTPD
import Testing

/// The access log through a real socket: one line for every answer, with what was really sent,
/// the server's own refusals and timeouts included.
@Suite("Access log")
struct AccessLogTests {
    /// What a test server reported: the access log's lines, and the records they were made from.
    struct Reported {
        let messages: CapturedLog.Messages
        let recorder: RecordingObserver

        /// The first record and its line, once reported.
        func first() async -> (record: HTTPExchangeRecord, line: String)? {
            guard let record = await recorder.records(atLeast: 1).first else { return nil }
            _ = await eventually { !messages.all.isEmpty }
            return (record, messages.all.first ?? "")
        }
    }

    /// Runs `body` against a server logging `format` lines, with `settings` and `routes`.
    func withLoggedServer(
        format: HTTPAccessLog.Format = .combined, settings: HTTPSettings = testSettings(),
        routes: [String: HTTPHandler] = [:], _ body: (TestServer, Reported) async throws -> Void
    ) async throws {
        let (logger, messages) = CapturedLog.logger()
        let recorder = RecordingObserver()
        try await TestServer.observed(
            by: [HTTPAccessLog(format: format, logger: logger), recorder], settings: settings, routes: routes
        ) { test throws in
            try await body(test, Reported(messages: messages, recorder: recorder))
        }
    }

    /// Reads the request body, then answers 200 with it.
    static let echo: HTTPHandler = { request, response in
        let body = try await request.body() ?? []
        try await response.write(status: 200, body: body)
    }

    @Test("a handled request is logged once, in Combined format, with Referer and User-Agent")
    func handledRequest() async throws {
        try await withLoggedServer(routes: ["/x": { _, response in try await response.write(status: 201, body: "four") }]) {
            test, reported in
            let response = try await test.request("/x?y", headers: [("Referer", "http://a.example/"), ("User-Agent", "agent/1 \"q\"")])
            #expect(response.status == 201)
            let (record, line) = try #require(await reported.first())
            #expect(line.hasPrefix("127.0.0.1 - - ["))
            #expect(line.hasSuffix("] \"GET /x?y HTTP/1.1\" 201 4 \"http://a.example/\" \"agent/1 \\\"q\\\"\""))
            #expect(record.ending == .completed)
            #expect(record.reachedHandler)
            #expect(record.clientPort != nil)
            #expect(record.host == "127.0.0.1:\(test.port)")
            #expect(reported.recorder.records.count == 1)
        }
    }

    @Test("a declared body over the limit: 413 when the handler starts reading, before any byte is read, logged")
    func declaredBodyTooLarge() async throws {
        try await withLoggedServer(settings: testSettings { $0.maxRequestBodyLength = 1000 }, routes: ["/echo": Self.echo]) {
            test, reported in
            let client = try await RawClient.connect(
                port: test.port, sending: "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n")
            #expect(try await client.readResponse()?.status == 413)
            let (record, line) = try #require(await reported.first())
            #expect(line.contains("\"POST /echo HTTP/1.1\" 413 "))
            #expect(record.ending == .refused(.bodyTooLarge))
            #expect(record.requestBodyBytes == 0)
        }
    }

    @Test("a chunked body over the limit: 413 on the wire and in the log")
    func chunkedBodyTooLarge() async throws {
        try await withLoggedServer(settings: testSettings { $0.maxRequestBodyLength = 1000 }, routes: ["/echo": Self.echo]) {
            test, reported in
            let chunk = String(repeating: "a", count: 800)
            let client = try await RawClient.connect(
                port: test.port,
                sending: "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n\(chunk)\r\n320\r\n\(chunk)\r\n0\r\n\r\n")
            #expect(try await client.readResponse()?.status == 413)
            let (record, line) = try #require(await reported.first())
            #expect(line.contains("\"POST /echo HTTP/1.1\" 413 "))
            #expect(record.status == 413)
            #expect(record.ending == .refused(.bodyTooLarge))
            #expect(record.reachedHandler)
        }
    }

    @Test("a stalled body: 408 on the wire and in the log, as a body timeout")
    func stalledBody() async throws {
        try await withLoggedServer(settings: testSettings { $0.requestTimeout = .seconds(1) }, routes: ["/echo": Self.echo]) {
            test, reported in
            let client = try await RawClient.connect(
                port: test.port, sending: "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
            #expect(try await client.readResponse()?.status == 408)
            let (record, line) = try #require(await reported.first())
            #expect(line.contains("\"POST /echo HTTP/1.1\" 408 "))
            #expect(record.ending == .timedOut(.requestBody))
            #expect(record.requestBodyBytes == 3)
        }
    }

    @Test("a partial head: 408 logged without a request line")
    func stalledHead() async throws {
        try await withLoggedServer(settings: testSettings { $0.requestTimeout = .seconds(1) }) { test, reported in
            let client = try await RawClient.connect(port: test.port, sending: "GET / HTTP/1.1\r\nHost:")
            #expect(try await client.readResponse()?.status == 408)
            let (record, line) = try #require(await reported.first())
            #expect(line.contains("] \"-\" 408 "))
            #expect(record.request == nil)
            #expect(record.ending == .timedOut(.requestHead))
        }
    }

    @Test("a malformed request line: 400 logged without a request line")
    func badRequestLine() async throws {
        try await withLoggedServer { test, reported in
            let client = try await RawClient.connect(port: test.port, sending: "NOT A REQUEST\r\n\r\n")
            #expect(try await client.readResponse()?.status == 400)
            let (record, line) = try #require(await reported.first())
            #expect(line.contains("] \"-\" 400 "))
            #expect(record.ending == .refused(.badRequest))
        }
    }

    @Test("too many header lines: 431 logged with the request line")
    func headersTooLarge() async throws {
        try await withLoggedServer(settings: testSettings { $0.maxRequestHeaders = 3 }) { test, reported in
            let client = try await RawClient.connect(
                port: test.port, sending: "GET /h HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")
            #expect(try await client.readResponse()?.status == 431)
            let (record, line) = try #require(await reported.first())
            #expect(line.contains("\"GET /h HTTP/1.1\" 431 "))
            #expect(record.ending == .refused(.headersTooLarge))
        }
    }

    @Test("a client that leaves mid-response is logged once, as gone, with the status sent")
    func clientGoneMidResponse() async throws {
        let failure = Locked<(any Error)?>(nil)
        try await withLoggedServer(routes: ["/stream": streamUntilWriteFails(recordingIn: failure)]) { test, reported in
            do {
                let client = try await RawClient.connect(port: test.port, sending: "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try await client.readResponse(headOnly: true)?.status == 200)
            }  // the client closes here, with megabytes still coming
            let (record, line) = try #require(await reported.first())
            #expect(line.contains("\"GET /stream HTTP/1.1\" 200 "))
            #expect(record.ending == .clientGone)
            #expect(record.status == 200)
            try await Task.sleep(for: .milliseconds(200))
            #expect(reported.recorder.records.count == 1)
        }
    }

    @Test("a handler that never answers is cut off by the response timeout: logged without a status")
    func responseTimeout() async throws {
        try await withLoggedServer(
            settings: testSettings { $0.responseTimeout = .seconds(1) },
            routes: ["/never": { _, _ in try await Task.sleep(for: .seconds(60)) }]
        ) { test, reported in
            let client = try await RawClient.connect(port: test.port, sending: "GET /never HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.isClosedByServer())
            let (record, line) = try #require(await reported.first())
            #expect(line.contains("\"GET /never HTTP/1.1\" - - "))
            #expect(record.ending == .timedOut(.response))
            #expect(record.status == nil)
        }
    }

    @Test("a handler that throws mid-stream: logged with the status sent, as handler_failed")
    func handlerFailedMidStream() async throws {
        struct Broken: Error {}
        try await withLoggedServer(
            format: .json,
            routes: [
                "/broken": { _, response in
                    try await response.begin(status: 200)
                    try await response.chunk("part")
                    try await response.forceOutput()
                    throw Broken()
                }
            ]
        ) { test, reported in
            let client = try await RawClient.connect(port: test.port, sending: "GET /broken HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try await client.readUntilClose()
            let (record, line) = try #require(await reported.first())
            #expect(line.contains("\"status\":200,\"response_bytes\":4"))
            #expect(line.hasSuffix("\"ending\":\"handler_failed\"}"))
            #expect(record.ending == .handlerFailed)
        }
    }

    @Test("behind a trusted proxy, the line names the original client")
    func proxiedClient() async throws {
        let (logger, messages) = CapturedLog.logger()
        let server = try await HTTPServer.start(
            trustedProxies: try TrustedProxies(["127.0.0.1"]), observers: [HTTPAccessLog(logger: logger)],
            addresses: ["127.0.0.1:0"])
        let test = TestServer(server: server)
        do {
            _ = try await test.request("/p", headers: [("X-Forwarded-For", "203.0.113.9")])
            _ = await eventually { !messages.all.isEmpty }
            #expect(messages.all.first?.hasPrefix("203.0.113.9 - - [") == true)
            await server.stop()
        } catch {
            await server.stop()
            throw error
        }
    }

    @Test("JSON lines carry every field")
    func jsonLine() async throws {
        try await withLoggedServer(format: .json, routes: ["/j": Self.echo]) { test, reported in
            _ = try await test.request("/j", method: .POST, headers: [("User-Agent", "a\tb")], body: Array("hey".utf8))
            let (_, line) = try #require(await reported.first())
            #expect(line.hasPrefix("{\"time\":\""))
            #expect(line.contains("\"client\":\"127.0.0.1\""))
            #expect(line.contains("\"method\":\"POST\",\"target\":\"/j\",\"version\":\"HTTP/1.1\",\"status\":200"))
            #expect(line.contains("\"response_bytes\":3,\"request_bytes\":3"))
            #expect(line.contains("\"user_agent\":\"a\\tb\""))
            #expect(line.hasSuffix("\"ending\":\"completed\"}"))
        }
    }
}

/// The formats, from records made by hand.
@Suite("Access log formats")
struct AccessLogFormatTests {
    let record = HTTPExchangeRecord(
        client: "10.0.0.1", clientPort: 5000, startTime: .seconds(1_796_000_000) + .milliseconds(5),
        duration: .microseconds(1_234_567), request: .init(method: "GET", target: "/a", version: "HTTP/1.0"),
        referer: nil, userAgent: "curl/8", status: 200, responseBodyBytes: 0, requestBodyBytes: 0, ending: .completed,
        reachedHandler: true)

    @Test("Common and Combined: the date in the log's format, - for an empty body and a missing header")
    func common() {
        #expect(HTTPAccessLog.line(record, format: .common) == "10.0.0.1 - - [30/Nov/2026:00:53:20 +0000] \"GET /a HTTP/1.0\" 200 -")
        #expect(HTTPAccessLog.line(record, format: .combined).hasSuffix("200 - \"-\" \"curl/8\""))
    }

    @Test("JSON: ISO 8601 time in milliseconds, the duration in milliseconds, null for what is missing")
    func json() {
        let line = HTTPAccessLog.line(record, format: .json)
        #expect(line.hasPrefix("{\"time\":\"2026-11-30T00:53:20.005Z\""))
        #expect(line.contains("\"duration_ms\":1234.567"))
        #expect(line.contains("\"referer\":null"))
    }

    @Test("metadata carries the fields")
    func metadata() {
        let metadata = HTTPAccessLog.metadata(record)
        #expect(metadata["status"] == "200")
        #expect(metadata["method"] == "GET")
        #expect(metadata["ending"] == "completed")
        #expect(metadata["referer"] == nil)
    }
}
