import HTTPD
import HTTPDRouting
import NIOConcurrencyHelpers
import Testing

@Suite("Middleware")
struct MiddlewareTests {
    /// Middleware that appends `name` to the `X-Trace` the handler sees (through `userInfo`) and writes.
    static func tracing(_ name: String) -> Middleware {
        Middleware { request, response, next in
            request.userInfo["trace"] = (request.userInfo["trace"] as? String ?? "") + name
            try await next(request, response)
        }
    }

    static let echoTrace: HTTPHandler = { request, response in
        try await response.write(status: 200, body: request.userInfo["trace"] as? String ?? "")
    }

    @Test("router middleware runs in order around every route, 404s included; group middleware only around its routes")
    func order() async throws {
        let router = Router()
        router.use(Self.tracing("a"), Self.tracing("b"))
        router.use(Self.tracing("c"))
        var group = router.group("/g")
        try group.get("/before", Self.echoTrace)
        group.use(Self.tracing("G"))
        try group.get("/after", Self.echoTrace)
        try router.get("/plain", Self.echoTrace)
        let seen = NIOLockedValueBox<[String]>([])
        router.use(Middleware { request, response, next in
            try await next(request, response)
            seen.withLockedValue { $0.append("\(request.path) \(response.status ?? 0)") }
        })
        try await TestServer.with(mux: router) { test throws in
            #expect(try await test.request("/plain").text == "abc")
            #expect(try await test.request("/g/before").text == "abc")
            #expect(try await test.request("/g/after").text == "abcG")
            #expect(try await test.request("/missing").status == 404)
            #expect(seen.withLockedValue { $0 } == ["/plain 200", "/g/before 200", "/g/after 200", "/missing 404"])
        }
    }

    @Test("middleware can answer instead of the handler, and its errors are answered through the responder")
    func shortCircuit() async throws {
        let router = Router(errors: .json)
        var admin = router.group("/admin")
        admin.use(Middleware { request, response, next in
            guard request.header("X-Key") == "k" else { throw HTTPError(401, "no key", headers: [("WWW-Authenticate", "X-Key")]) }
            try await next(request, response)
        })
        try admin.get("/x", Self.echoTrace)
        try await TestServer.with(mux: router) { test throws in
            let refused = try await test.request("/admin/x")
            #expect(refused.status == 401)
            #expect(refused.headers["WWW-Authenticate"] == ["X-Key"])
            #expect(refused.text == #"{"status":401,"error":"Unauthorized","message":"no key"}"#)
            #expect(try await test.request("/admin/x", headers: [("X-Key", "k")]).status == 200)
        }
    }

    @Test("MiddlewareMux wraps every request of a server, unknown paths included")
    func wholeServer() async throws {
        let (logger, messages) = CapturedLog.logger()
        // Logs each request it wraps, once answered (an unknown path's 404 included).
        let requestLog = Middleware { request, response, next in
            defer { logger.info("\"\(request.method) \(request.url) \(request.proto)\" \(response.status ?? 0)") }
            try await next(request, response)
        }
        let mux = MiddlewareMux(DefaultHTTPMux(), errors: .json, Self.tracing("s"), requestLog)
        try await TestServer.with(mux: mux) { test throws in
            try await test.server.register("/t", handler: Self.echoTrace)
            try await test.server.register("/fail") { _, _ in throw HTTPError(409, "taken") }
            #expect(try await test.request("/t?q").text == "s")
            let missing = try await test.request("/nothing")
            #expect(missing.status == 404)
            #expect(missing.headers["Content-Type"] == ["application/json"])
            let conflict = try await test.request("/fail")
            #expect(conflict.status == 409)
            #expect(conflict.text.contains("taken"))
        }
        let lines = messages.all
        #expect(lines.count == 3)
        #expect(lines.first == "\"GET /t?q HTTP/1.1\" 200")
        #expect(lines.dropFirst().first == "\"GET /nothing HTTP/1.1\" 404")
        #expect(lines.last == "\"GET /fail HTTP/1.1\" 409")
    }
}
