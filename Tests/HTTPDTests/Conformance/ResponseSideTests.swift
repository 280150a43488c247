import HTTPD
import Testing

/// What a handler cannot get wrong on the wire: header injection, framing headers, bodies where none
/// may be. (ResponseTests covers `write` with CR, LF and NUL, HEAD for written, streamed and file
/// responses, and 204/304 from `write`; these are the remaining ways in.)
@Suite("Conformance: response side")
struct ResponseSideTests {
    @Test("CR, LF or NUL in a header of begin() or file() throws invalidHeader and nothing of it reaches the wire")
    func injectionThroughEveryWay() async throws {
        let thrown = Locked<[HTTPDError]>([])
        @Sendable func record(_ body: () async throws -> Void) async throws {
            do {
                try await body()
            } catch let error as HTTPDError {
                thrown.update { $0.append(error) }
                throw error
            }
        }
        try await TestServer.with(routes: [
            "/begin": { _, response in
                try await record { try await response.begin(status: 200, headers: [("X-Bad", "a\r\nSet-Cookie: evil=1")]) }
            },
            "/file": { _, response in
                try await record { try await response.file(headers: [("X-Bad", "a\nSet-Cookie: evil=1")], path: #filePath) }
            },
            "/name": { _, response in
                try await record { try await response.write(status: 200, headers: [("Set-Cookie: evil=1\r\nX", "v")], body: "x") }
            },
            "/nul": { _, response in
                try await record { try await response.begin(status: 200, headers: [("X-Nul", "a\u{0}b")]) }
            },
        ]) { test throws in
            let client = try await test.connect()
            for target in ["/begin", "/file", "/name", "/nul"] {
                try await client.send("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n")
                let response = try #require(try await client.readResponse())
                #expect(response.status == 500)
                #expect(response.header("Set-Cookie") == nil)
                #expect(response.header("X-Bad") == nil)
                #expect(response.header("X-Nul") == nil)
                #expect(!response.text.contains("evil"))
            }
            #expect(thrown.get().count == 4)
            #expect(thrown.get().allSatisfy { if case .invalidHeader = $0 { true } else { false } })
        }
    }

    @Test("a handler's Content-Length or Transfer-Encoding never reaches the wire for streamed and file responses")
    func lengthAlwaysRight() async throws {
        try await TestServer.with(routes: [
            "/stream": { _, response in
                try await response.begin(status: 200, headers: [("Content-Length", "3"), ("Transfer-Encoding", "gzip")])
                try await response.chunk("more than three")
                try await response.end()
            },
            "/file": { _, response in
                try await response.file(headers: [("Content-Length", "1"), ("Transfer-Encoding", "chunked")], path: #filePath)
            },
        ]) { test throws in
            let client = try await test.connect()
            try await client.send("GET /stream HTTP/1.1\r\nHost: a\r\n\r\n")
            let streamed = try #require(try await client.readResponse())
            #expect(streamed.headers.filter { $0.0.lowercased() == "content-length" }.isEmpty)
            #expect(streamed.headers.filter { $0.0.lowercased() == "transfer-encoding" }.map(\.1) == ["chunked"])
            #expect(streamed.text == "more than three")
            try await client.send("GET /file HTTP/1.1\r\nHost: a\r\n\r\n")
            let file = try #require(try await client.readResponse())
            #expect(file.headers.filter { $0.0.lowercased() == "content-length" }.map(\.1) == ["\(file.body.count)"])
            #expect(file.header("Transfer-Encoding") == nil)
            #expect(file.body.count > 1000)
            // Still in step.
            try await client.send("GET /stream HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try await client.readResponse()?.text == "more than three")
        }
    }

    @Test("204 and 304 carry no body when streamed either")
    func noBodyWhenStreamed() async throws {
        try await TestServer.with(routes: [
            "/204": { _, response in
                try await response.begin(status: 204)
                try await response.chunk("ignored")
                try await response.end()
            },
            "/304": { _, response in
                try await response.begin(status: 304, headers: [("ETag", "\"e\"")])
                try await response.chunk("ignored")
                try await response.end()
            },
        ]) { test throws in
            let client = try await test.connect()
            for status in [204, 304, 204] {
                try await client.send("GET /\(status) HTTP/1.1\r\nHost: a\r\n\r\n")
                let response = try #require(try await client.readResponse())
                #expect(response.status == status)
                #expect(response.header("Content-Length") == nil)
                #expect(response.header("Transfer-Encoding") == nil)
            }
            try await client.send("GET /204 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await client.readResponse()?.status == 204)
            try await client.send("GET /304 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            #expect(try await client.readResponse()?.status == 304)
            #expect(try await client.readUntilClose() == "")
        }
    }

    @Test("HEAD gets no body from the server's own answers either: a handler's error, a 404", arguments: TestTransport.tested)
    func headOnServerAnswers(over transport: TestTransport) async throws {
        struct Oops: Error {}
        try await TestServer.with(transport: transport, routes: ["/throw": { _, _ in throw Oops() }]) { test throws in
            let client = try await test.connect()
            try await client.send("HEAD /throw HTTP/1.1\r\nHost: a\r\n\r\n")
            let thrown = try #require(try await client.readResponse(headOnly: true))
            #expect(thrown.status == 500)
            try await client.send("HEAD /missing HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try await client.readResponse(headOnly: true)?.status == 404)
            // Still in step: no body bytes came after either head.
            try await client.send("HEAD /throw HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            #expect(try await client.readResponse(headOnly: true)?.status == 500)
            #expect(try await client.readUntilClose() == "")
        }
    }

    @Test("HEAD refused before routing gets the error's headers and no body")
    func headRefused() async throws {
        try await TestServer.with(routes: ConformanceRoutes().routes) { test throws in
            for request in ["HEAD / HTTP/1.1\r\n\r\n", "HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"] {
                let client = try await test.connect()
                try await client.send(request)
                let response = try #require(try await client.readResponse(headOnly: true))
                #expect(response.status == 400)
                #expect(response.header("Connection") == "close")
                #expect(try await client.readUntilClose() == "", "a body was sent for HEAD")
            }
        }
    }
}
