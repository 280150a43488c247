import HTTPD
import Testing

@Suite("Text bodies")
struct TextBodyContentTypeTests {
    @Test("a String body without Content-Type goes out as text/plain; charset=utf-8")
    func defaultType() async throws {
        let routes: [String: HTTPHandler] = [
            "/plain": { _, response in try await response.write(status: 200, body: "héllo") },
            "/typed": { _, response in try await response.write(status: 200, headers: [("content-type", "text/html")], body: "<p>") },
            "/bytes": { _, response in try await response.write(status: 200, body: [UInt8]("raw".utf8)) },
            "/empty": { _, response in try await response.write(status: 204, body: "") },
        ]
        try await TestServer.with(routes: routes) { test throws in
            let plain = try await test.request("/plain")
            #expect(plain.headers["Content-Type"] == ["text/plain; charset=utf-8"])
            #expect(plain.text == "héllo")
            #expect(try await test.request("/typed").headers["Content-Type"] == ["text/html"])
            #expect(try await test.request("/bytes").headers["Content-Type"] == [])
            #expect(try await test.request("/empty").headers["Content-Type"] == [])
        }
    }
}
