import HTTPD
import Testing

/// A handler that sets its request's limit to `limit` (when given), reads the body as a stream and
/// answers its length; an error escapes (413 for a body over the limit).
private func streamingHandler(limit: Int?) -> HTTPHandler {
    { request, response in
        if let limit { try request.setMaxBodyLength(limit) }
        var bytes = 0
        for try await chunk in request.bodyChunks { bytes += chunk.readableBytes }
        try await response.write(status: 200, body: "\(bytes)")
    }
}

@Suite("Streaming: a request's own body limit")
struct BodyLimitTests {
    /// The server's limit in these tests.
    static let settings = testSettings { $0.maxRequestBodyLength = 1000 }

    @Test("a route that raised its limit takes a declared body over the server's; another route gets 413")
    func raisedLimit() async throws {
        let body = [UInt8](repeating: 0x61, count: 5000)
        try await TestServer.with(
            settings: Self.settings, routes: ["/big": streamingHandler(limit: 10_000), "/small": streamingHandler(limit: nil)]
        ) { test throws in
            #expect(try await test.request("/big", method: .POST, body: body).text == "5000")
            let client = try await test.connect()
            // The 413 comes for the head alone: the body is never sent.
            try await client.send("POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 413)
            #expect(response.header("Connection") == "close")
        }
    }

    @Test("a declared length over the route's own limit gets 413 before anything is read, and no 100 Continue")
    func declaredOverOwnLimit() async throws {
        try await TestServer.with(settings: Self.settings, routes: ["/big": streamingHandler(limit: 10_000)]) { test throws in
            let client = try await test.connect()
            try await client.send("POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 10001\r\nExpect: 100-continue\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 413)
            #expect(try await client.isClosedByServer())
        }
    }

    @Test("a chunked body growing past the route's limit makes the stream throw; 413 and a close")
    func chunkedOverOwnLimit() async throws {
        let caught = Locked<HTTPDError?>(nil)
        try await TestServer.with(settings: Self.settings, routes: [
            "/big": { request, response in
                try request.setMaxBodyLength(3000)
                do {
                    for try await _ in request.bodyChunks {}
                } catch let error as HTTPDError {
                    caught.set(error)
                    throw error
                }
            }
        ]) { test throws in
            let client = try await test.connect()
            try await client.send("POST /big HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
            for _ in 0..<4 { try await client.send("400\r\n" + String(repeating: "b", count: 1024) + "\r\n") }
            let response = try #require(try await client.readResponse())
            #expect(response.status == 413)
            #expect(response.header("Connection") == "close")
            #expect(caught.get() == .requestBodyTooLarge(limit: 3000))
            #expect(try await client.isClosedByServer())
        }
    }

    @Test("a handler that does not read a declared body over the limit answers, then the connection closes")
    func unreadOverLimit() async throws {
        try await TestServer.with(
            settings: Self.settings, routes: ["/": { _, response in try await response.write(status: 200, body: "ignored") }]
        ) { test throws in
            let client = try await test.connect()
            try await client.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.text == "ignored")
            #expect(response.header("Connection") == "close")
            #expect(try await client.isClosedByServer())
        }
    }

    @Test("a limit below 1 is refused")
    func invalidLimit() async throws {
        let caught = Locked<HTTPDError?>(nil)
        try await TestServer.with(routes: [
            "/": { request, response in
                do { try request.setMaxBodyLength(0) } catch { caught.set(error as? HTTPDError) }
                try await response.write(status: 200, body: "ok")
            }
        ]) { test throws in
            _ = try await test.request("/")
            #expect(caught.get() == .invalidSetting(name: "maxBodyLength", value: "0"))
        }
    }
}
