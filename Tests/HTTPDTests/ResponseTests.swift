import HTTPD
import NIOCore
import Testing

@Suite("Responses")
struct ResponseTests {
    @Test("write sends status, reason, the handler's headers, Date and Content-Length, and a String or byte body")
    func write() async throws {
        try await TestServer.with(routes: [
            "/text": { _, response in
                try await response.write(status: 201, headers: [("Content-Type", "text/plain"), ("X-A", "1")], body: "héllo")
            },
            "/bytes": { _, response in try await response.write(status: 200, body: [1, 2, 3] as [UInt8]) },
            "/slice": { _, response in try await response.write(status: 200, body: [9, 8, 7, 6][1...]) },
            "/buffer": { _, response in try await response.write(status: 200, body: ByteBuffer(string: "buf").readableBytesView) },
            "/none": { _, response in try await response.write(status: 202) },
            "/odd": { _, response in try await response.write(status: 299) },
        ]) { test throws in
            let client = try await test.connect()
            try await client.send("GET /text HTTP/1.1\r\nHost: x\r\n\r\n")
            let text = try #require(try await client.readResponse())
            #expect(text.statusLine == "HTTP/1.1 201 Created")
            #expect(text.header("Content-Type") == "text/plain")
            #expect(text.header("X-A") == "1")
            #expect(text.header("Content-Length") == "6")
            #expect(text.header("Date")?.hasSuffix(" GMT") == true)
            #expect(text.text == "héllo")
            #expect(try await test.request("/bytes").body == [1, 2, 3])
            #expect(try await test.request("/slice").body == [8, 7, 6])
            #expect(try await test.request("/buffer").text == "buf")
            let none = try await test.request("/none")
            #expect(none.status == 202)
            #expect(none.headers["Content-Length"] == ["0"])
            try await client.send("GET /odd HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse()?.statusLine == "HTTP/1.1 299 ")
        }
    }

    @Test("the handler's Content-Length, Transfer-Encoding and Connection are replaced by the real ones")
    func framingHeadersAreTheServers() async throws {
        try await TestServer.with(routes: [
            "/lie": { _, response in
                try await response.write(
                    status: 200, headers: [("Content-Length", "100"), ("Transfer-Encoding", "chunked")], body: "short")
            }
        ]) { test throws in
            let client = try await test.connect()
            try await client.send("GET /lie HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.header("Content-Length") == "5")
            #expect(response.header("Transfer-Encoding") == nil)
            #expect(response.text == "short")
        }
    }

    @Test("begin, chunk and end stream a chunked response; ranges select bytes; an empty range sends nothing")
    func chunked() async throws {
        try await TestServer.with(routes: [
            "/c": { _, response in
                try await response.begin(status: 200, headers: [("Content-Type", "text/plain")])
                try await response.chunk("hello, ")
                try await response.chunk("xxworldxx", start: 2, end: 7)
                try await response.chunk("", start: 0, end: 0)
                try await response.chunk([33, 33], start: 1)
                try await response.forceOutput()
                try await response.chunk("abc", start: 1, end: 1)
                try await response.end()
            }
        ]) { test throws in
            let client = try await test.connect()
            try await client.send("GET /c HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.header("Transfer-Encoding") == "chunked")
            #expect(response.header("Content-Length") == nil)
            #expect(response.text == "hello, world!")
            try await client.send("GET /c HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse()?.text == "hello, world!")
        }
    }

    @Test("a streamed response to an HTTP/1.0 client is delimited by closing the connection")
    func streamedHTTP10() async throws {
        try await TestServer.with(routes: [
            "/c": { _, response in
                try await response.begin(status: 200)
                try await response.chunk("one ")
                try await response.chunk("two")
                try await response.end()
            }
        ]) { test throws in
            let client = try await test.connect()
            try await client.send("GET /c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let text = try await client.readUntilClose()
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(text.contains("Connection: close\r\n"))
            #expect(!text.contains("chunked"))
            #expect(text.hasSuffix("\r\n\r\none two"))
        }
    }

    @Test("misuse throws a clear error: a second response, a chunk before begin or after end, a bad range or status")
    func misuse() async throws {
        let errors = Box<[String]>([])
        @Sendable func record(_ body: () async throws -> Void) async {
            do {
                try await body()
                errors.update { $0.append("no error") }
            } catch {
                errors.update { $0.append("\(error)") }
            }
        }
        try await TestServer.with(routes: [
            "/m": { _, response in
                await record { try await response.chunk("x") }
                await record { try await response.end() }
                await record { try await response.write(status: 42) }
                try await response.begin(status: 200)
                await record { try await response.write(status: 200) }
                await record { try await response.begin(status: 200) }
                await record { try await response.chunk("abc", start: 2, end: 5) }
                try await response.end()
                await record { try await response.chunk("x") }
                await record { try await response.end() }
            }
        ]) { test throws in
            #expect(try await test.request("/m").status == 200)
            #expect(errors.get() == [
                HTTPDError.responseNotBegun.description,
                HTTPDError.responseNotBegun.description,
                HTTPDError.invalidStatus(42).description,
                HTTPDError.responseAlreadyStarted.description,
                HTTPDError.responseAlreadyStarted.description,
                HTTPDError.invalidRange(start: 2, end: 5, count: 3).description,
                HTTPDError.responseAlreadyEnded.description,
                HTTPDError.responseAlreadyEnded.description,
            ])
        }
    }

    @Test("a header with CR, LF or NUL throws invalidHeader and nothing of it reaches the wire")
    func headerInjection() async throws {
        let thrown = Box<[HTTPDError]>([])
        try await TestServer.with(routes: [
            "/h": { request, response in
                let value = request.params == "nul" ? "a\u{0}b" : "a\r\nSet-Cookie: evil=1"
                do {
                    try await response.write(status: 200, headers: [("X-Bad", value)], body: "ok")
                } catch let error as HTTPDError {
                    thrown.update { $0.append(error) }
                    throw error
                }
            },
            "/n": { _, response in try await response.begin(status: 200, headers: [("Bad Name", "v")]) },
        ]) { test throws in
            let client = try await test.connect()
            for target in ["/h", "/h?nul", "/n"] {
                try await client.send("GET \(target) HTTP/1.1\r\nHost: x\r\n\r\n")
                let response = try #require(try await client.readResponse())
                #expect(response.status == 500)
                #expect(response.header("Set-Cookie") == nil)
                #expect(response.header("X-Bad") == nil)
            }
            #expect(thrown.get() == [.invalidHeader(name: "X-Bad"), .invalidHeader(name: "X-Bad")])
        }
    }

    @Test("HEAD gets GET's headers and no body, for written, streamed and file responses")
    func head() async throws {
        try await TestServer.with(routes: [
            "/w": { _, response in try await response.write(status: 200, body: "twelve bytes") },
            "/s": { _, response in
                try await response.begin(status: 200)
                try await response.chunk("streamed")
                try await response.end()
            },
            "/f": { _, response in try await response.file(path: #filePath) },
        ]) { test throws in
            let client = try await test.connect()
            try await client.send("HEAD /w HTTP/1.1\r\nHost: x\r\n\r\n")
            let written = try #require(try await client.readResponse(headOnly: true))
            #expect(written.header("Content-Length") == "12")
            try await client.send("HEAD /s HTTP/1.1\r\nHost: x\r\n\r\n")
            let streamed = try #require(try await client.readResponse(headOnly: true))
            #expect(streamed.header("Transfer-Encoding") == "chunked")
            try await client.send("HEAD /f HTTP/1.1\r\nHost: x\r\n\r\n")
            let file = try #require(try await client.readResponse(headOnly: true))
            #expect(Int(file.header("Content-Length") ?? "") ?? 0 > 1000)
            // The connection is still in step: no body bytes were sent for any of them.
            try await client.send("GET /w HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse()?.text == "twelve bytes")
        }
    }

    @Test("204 and 304 carry no body and no Content-Length")
    func noBodyStatuses() async throws {
        try await TestServer.with(routes: [
            "/204": { _, response in try await response.write(status: 204, body: "ignored") },
            "/304": { _, response in try await response.write(status: 304, headers: [("ETag", "\"x\"")], body: "ignored") },
        ]) { test throws in
            let client = try await test.connect()
            for status in [204, 304] {
                try await client.send("GET /\(status) HTTP/1.1\r\nHost: x\r\n\r\n")
                let response = try #require(try await client.readResponse())
                #expect(response.status == status)
                #expect(response.header("Content-Length") == nil)
                #expect(response.body.isEmpty)
            }
            try await client.send("GET /204 HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse()?.status == 204)
        }
    }

    @Test("file sends the file with Content-Length; a missing file is 404, a directory 404")
    func file() async throws {
        try await TestServer.with(routes: [
            "/self": { _, response in try await response.file(headers: [("Content-Type", "text/plain")], path: #filePath) },
            "/missing": { _, response in try await response.file(path: "/nonexistent/file") },
            "/dir": { _, response in try await response.file(path: "/tmp") },
        ]) { test throws in
            let response = try await test.request("/self")
            #expect(response.status == 200)
            #expect(response.text.contains("file sends the file with Content-Length"))
            #expect(response.headers["Content-Length"] == ["\(response.body.count)"])
            #expect(try await test.request("/missing").status == 404)
            #expect(try await test.request("/dir").status == 404)
        }
    }

    @Test("a large streamed response arrives whole through backpressure")
    func largeStream() async throws {
        let piece = [UInt8](repeating: 120, count: 64 * 1024)
        try await TestServer.with(routes: [
            "/big": { _, response in
                try await response.begin(status: 200)
                for _ in 0..<160 { try await response.chunk(piece) }
                try await response.end()
            }
        ]) { test throws in
            let response = try await test.request("/big")
            #expect(response.body.count == 160 * 64 * 1024)
        }
    }
}
