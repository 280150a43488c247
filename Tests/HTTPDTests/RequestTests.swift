import HTTPD
import Testing

/// What a handler saw of its request, reported back as text lines.
private let describeRequest: HTTPHandler = { request, response in
    var lines = [
        "method=\(request.method)", "url=\(request.url)", "path=\(request.path)",
        "params=\(request.params ?? "nil")", "proto=\(request.proto)", "client=\(request.client)",
    ]
    for (name, value) in request.headers { lines.append("\(name)=\(value)") }
    try await response.write(status: 200, body: lines.joined(separator: "\n"))
}

@Suite("Requests")
struct RequestTests {
    @Test("the accessors report method, target, path, params, protocol, client and title-cased headers in order")
    func accessors() async throws {
        try await TestServer.with(mux: RecursiveHTTPMux(), routes: ["": describeRequest]) { test throws in
            let client = try await test.connect()
            try await client.send(
                "PATCH /a/b?x=1&y=%20 HTTP/1.1\r\nhost: h\r\nx-forwarded-for: 10.0.0.1\r\nCONTENT-type: text/plain\r\nx-dup: 1\r\nX-Dup: 2\r\ncontent-length: 0\r\n\r\n")
            let lines = try #require(try await client.readResponse()).text.split(separator: "\n").map(String.init)
            #expect(lines == [
                "method=PATCH", "url=/a/b?x=1&y=%20", "path=/a/b", "params=x=1&y=%20", "proto=HTTP/1.1",
                "client=127.0.0.1", "Host=h", "X-Forwarded-For=10.0.0.1", "Content-Type=text/plain",
                "X-Dup=1", "X-Dup=2", "Content-Length=0",
            ])
        }
    }

    @Test("an absolute-form target is reduced to its path; no query gives nil params; HTTP/1.0 is reported")
    func absoluteForm() async throws {
        try await TestServer.with(mux: RecursiveHTTPMux(), routes: ["": describeRequest]) { test throws in
            let client = try await test.connect()
            try await client.send("GET http://example.org/p/q HTTP/1.0\r\n\r\n")
            let text = try #require(try await client.readResponse()).text
            #expect(text.contains("path=/p/q\n"))
            #expect(text.contains("params=nil\n"))
            #expect(text.contains("proto=HTTP/1.0"))
        }
    }

    @Test("query parameters are decoded")
    func query() async throws {
        try await TestServer.with(routes: [
            "/q": { request, response in
                let pairs = request.query.map { "\($0.name)=\($0.value)" }.joined(separator: ";")
                try await response.write(status: 200, body: pairs + "|" + (request.queryParameter("b") ?? "-"))
            }
        ]) { test throws in
            #expect(try await test.request("/q?a=1&b=x%20y+z&c").text == "a=1;b=x y z;c=|x y z")
        }
    }

    @Test("body() is nil without a body, the bytes with one, and the same bytes when called again")
    func body() async throws {
        let echo: HTTPHandler = { request, response in
            let first = try await request.body()
            let second = try await request.body()
            #expect(first == second)
            try await response.write(status: 200, body: first.map { "\($0.count):" + String(decoding: $0, as: UTF8.self) } ?? "nil")
        }
        try await TestServer.with(routes: ["/e": echo]) { test throws in
            #expect(try await test.request("/e").text == "nil")
            #expect(try await test.request("/e", method: .POST, body: Array("hello".utf8)).text == "5:hello")
            let big = [UInt8](repeating: 65, count: 300_000)
            #expect(try await test.request("/e", method: .PUT, body: big).text.hasPrefix("300000:AAAA"))
            let client = try await test.connect()
            try await client.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            #expect(try await client.readResponse()?.text == "0:")
        }
    }

    @Test("a chunked request body is reassembled")
    func chunkedBody() async throws {
        try await TestServer.with(routes: [
            "/e": { request, response in try await response.write(status: 200, body: try await request.body() ?? []) }
        ]) { test throws in
            let client = try await test.connect()
            try await client.send("POST /e HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            try await client.send("7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n")
            #expect(try await client.readResponse()?.text == "hello, world")
        }
    }

    @Test("a body over the limit makes body() throw and the client gets 413 and a close")
    func bodyTooLarge() async throws {
        let settings = testSettings { $0.maxRequestBodyLength = 1000 }
        let caught = Box<HTTPDError?>(nil)
        try await TestServer.with(settings: settings, routes: [
            "/e": { request, response in
                do {
                    _ = try await request.body()
                } catch let error as HTTPDError {
                    caught.set(error)
                    throw error
                }
            }
        ]) { test throws in
            let client = try await test.connect()
            try await client.send("POST /e HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            try await client.send("400\r\n" + String(repeating: "a", count: 1024) + "\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 413)
            #expect(response.header("Connection") == "close")
            #expect(caught.get() == .requestBodyTooLarge(limit: 1000))
            #expect(try await client.isClosedByServer())
        }
    }

    @Test("setTimeout changes the time allowed for the next request head")
    func requestTimeout() async throws {
        try await TestServer.with(routes: [
            "/t": { request, response in
                request.setTimeout(.seconds(2))
                try await response.write(status: 200)
            }
        ]) { test throws in
            // One thread reads the answer and starts the next head at once: a loaded machine that kept an
            // async task from resuming for 2 s would turn the 408 into a quiet close of an idle connection.
            let port = test.port
            let (first, rest) = try await offPool { () throws -> (String, String) in
                let socket = try RawSocket.connect(port: port)
                socket.send("GET /t HTTP/1.1\r\nHost: x\r\n\r\n")
                var received: [UInt8] = []
                while !String(decoding: received, as: UTF8.self).contains("\r\n\r\n"), let bytes = socket.receive(), !bytes.isEmpty {
                    received += bytes
                }
                socket.send("GET /t HTTP/1.1\r\n")
                return (String(decoding: received, as: UTF8.self), String(decoding: socket.receiveUntilClose(), as: UTF8.self))
            }
            #expect(first.hasPrefix("HTTP/1.1 200 "), "got \(first.debugDescription)")
            #expect(rest.hasPrefix("HTTP/1.1 408 "), "got \(rest.debugDescription)")
            #expect(rest.contains("\r\nConnection: close\r\n"))
        }
    }
}
