import Crypto
import HTTPD
import HTTPDTutorial
import Testing

@Suite("Streaming: httpd's POST /upload")
struct UploadRouteTests {
    @Test("POST /upload streams a body over the server's limit to a file and answers its length and SHA-256")
    func upload() async throws {
        let body = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let expected = SHA256.hash(data: body).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        try await TestServer.with(mux: TutorialApplication.mux()) { test in
            try await TutorialApplication.register(on: test.server, maxUpload: 4 << 20)
            let response = try await test.request("/upload", method: .POST, body: body)
            #expect(response.status == 200)
            #expect(response.text == "\(body.count) \(expected)\n")
            // Over --max-upload: 413 for the head alone, before the body is sent.
            let client = try await test.connect()
            try await client.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: \((4 << 20) + 1)\r\n\r\n")
            #expect(try await client.readResponse()?.status == 413)
            #expect(try await test.request("/upload").status == 405)
        }
    }
}
