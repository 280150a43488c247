import HTTPD
import HTTPDRouting
import HTTPDTutorial
import Testing

@Suite("The tutorial application (httpd's routes)")
struct TutorialApplicationTests {
    private func withTutorial(_ body: (TestServer) async throws -> Void) async throws {
        try await TestServer.with(mux: TutorialApplication.mux()) { test in
            try await TutorialApplication.register(on: test.server)
            try await body(test)
        }
    }

    @Test("/ greets the client; anything else is a text 404")
    func helloAndNotFound() async throws {
        try await withTutorial { test in
            let hello = try await test.request("/")
            #expect(hello.status == 200)
            #expect(hello.text == "hello, 127.0.0.1\n")
            #expect(hello.headers["Content-Type"] == ["text/plain; charset=utf-8"])
            let missing = try await test.request("/nowhere")
            #expect(missing.status == 404)
            #expect(missing.text == "not found: /nowhere\n")
        }
    }

    @Test("/echo round-trips 900 KiB exactly, with the request's Content-Type")
    func echo() async throws {
        try await withTutorial { test in
            let body = (0..<(900 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let response = try await test.request(
                "/echo", method: .POST, headers: [("Content-Type", "application/octet-stream")], body: body)
            #expect(response.status == 200)
            #expect(response.body == body)
            #expect(response.headers["Content-Type"] == ["application/octet-stream"])
        }
    }

    @Test("/headers lists the request headers, chunked; ?json as an object")
    func headers() async throws {
        try await withTutorial { test in
            let client = try await test.connect()
            try await client.send("GET /headers HTTP/1.1\r\nHost: h\r\nx-custom: \"quoted\"\r\n\r\n")
            let listing = try #require(try await client.readResponse())
            #expect(listing.header("Transfer-Encoding") == "chunked")
            #expect(listing.text == "Host: h\nX-Custom: \"quoted\"\n")
            try await client.send("GET /headers?json HTTP/1.1\r\nHost: h\r\nx-custom: \"quoted\"\r\n\r\n")
            let json = try #require(try await client.readResponse())
            #expect(json.header("Content-Type") == "application/json")
            #expect(json.text == "{\"Host\":\"h\",\"X-Custom\":\"\\\"quoted\\\"\"}\n")
        }
    }

    @Test("/self serves the application's own source")
    func ownSource() async throws {
        try await withTutorial { test in
            let response = try await test.request("/self")
            #expect(response.status == 200)
            #expect(response.text.contains("public enum TutorialApplication"))
        }
    }
}
