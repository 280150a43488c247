import FoundationEssentials
import HTTPD
import HTTPDRouting
import Testing

@Suite("JSON and error answers")
struct JSONTests {
    struct Item: Codable, Sendable, Equatable {
        var name: String
        var count: Int
        var tags: [String]?
    }

    static func router(errors: ErrorResponder = .json) throws -> Router {
        let router = Router(errors: errors)
        try router.post("/items") { request, response in
            var item = try await request.decode(Item.self)
            item.count += 1
            try await response.write(status: 201, json: item)
        }
        try router.get("/boom") { _, _ in
            struct Secret: Error {}
            throw Secret()
        }
        try router.post("/upload") { request, response in
            _ = try await request.body()
            try await response.write(status: 200, body: "read")
        }
        return router
    }

    @Test("a JSON body decodes; an Encodable goes out as application/json")
    func roundTrip() async throws {
        try await TestServer.with(mux: try Self.router()) { test throws in
            let response = try await test.request(
                "/items", method: .POST, headers: [("Content-Type", "application/json; charset=utf-8")],
                body: Array(#"{"name":"pen","count":1}"#.utf8))
            #expect(response.status == 201)
            #expect(response.headers["Content-Type"] == ["application/json"])
            #expect(try JSONDecoder().decode(Item.self, from: Data(response.body)) == Item(name: "pen", count: 2))
            let vendor = try await test.request(
                "/items", method: .POST, headers: [("Content-Type", "application/vnd.api+json")], body: Array(#"{"name":"a","count":0}"#.utf8))
            #expect(vendor.status == 201)
        }
    }

    @Test("a wrong content type is 415; a body that does not decode is 400 with the reason")
    func refusals() async throws {
        try await TestServer.with(mux: try Self.router()) { test throws in
            func post(_ body: String, type: String? = "application/json") async throws -> ClientResponse {
                try await test.request("/items", method: .POST, headers: type.map { [("Content-Type", $0)] } ?? [], body: Array(body.utf8))
            }
            let text = try await post("{}", type: "text/plain")
            #expect(text.status == 415)
            #expect(text.headers["Content-Type"] == ["application/json"])
            #expect(text.text == #"{"status":415,"error":"Unsupported Media Type","message":"expected Content-Type: application\/json, got text\/plain"}"#
                || text.text == #"{"status":415,"error":"Unsupported Media Type","message":"expected Content-Type: application/json, got text/plain"}"#)
            #expect(try await post("{}", type: nil).status == 415)
            let cases: [(String, String)] = [
                (#"{"name":"pen"}"#, "missing key \\\"count\\\""),
                (#"{"name":"pen","count":"one"}"#, "expected an integer at count"),
                (#"{"name":"pen","count":1,"tags":["a",null]}"#, "null where a String was expected at tags[1]"),
                (#"{"name":"#, "invalid JSON"),
                ("", "the request body is empty: expected JSON"),
            ]
            for (body, reason) in cases {
                let response = try await post(body)
                #expect(response.status == 400, "\(body)")
                #expect(response.text.contains(reason), "\(body): \(response.text)")
            }
        }
    }

    @Test("404, 405, 413 and 500 come out as the responder shapes them")
    func shapedErrors() async throws {
        var settings = testSettings()
        settings.maxRequestBodyLength = 16
        try await TestServer.with(mux: try Self.router(), settings: settings) { test throws in
            let missing = try await test.request("/nowhere")
            #expect(missing.status == 404)
            #expect(missing.text == #"{"status":404,"error":"Not Found","message":"no route for GET \/nowhere"}"#
                || missing.text == #"{"status":404,"error":"Not Found","message":"no route for GET /nowhere"}"#)
            let method = try await test.request("/items")
            #expect(method.status == 405)
            #expect(method.headers["Allow"] == ["OPTIONS, POST"])
            #expect(method.text.hasPrefix(#"{"status":405,"error":"Method Not Allowed""#))
            let boom = try await test.request("/boom")
            #expect(boom.status == 500)
            #expect(boom.text == #"{"status":500,"error":"Internal Server Error","message":"Internal Server Error"}"#)
            // A chunked body (no Content-Length the server could refuse up front) crosses the limit in the handler.
            let client = try await test.connect()
            try await client.send("POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n\(String(repeating: "x", count: 32))\r\n0\r\n\r\n")
            let large = try #require(try await client.readResponse())
            #expect(large.status == 413)
            #expect(String(decoding: large.body, as: UTF8.self).hasPrefix(#"{"status":413,"error":"Content Too Large""#))
        }
    }

    @Test("a custom responder shapes every error answer")
    func customResponder() async throws {
        let html = ErrorResponder(contentType: "text/html; charset=utf-8") { error, request in
            "<h1>\(error.status)</h1><p>\(request.path)</p>"
        }
        try await TestServer.with(mux: try Self.router(errors: html)) { test throws in
            let missing = try await test.request("/x")
            #expect(missing.headers["Content-Type"] == ["text/html; charset=utf-8"])
            #expect(missing.text == "<h1>404</h1><p>/x</p>")
        }
    }
}
