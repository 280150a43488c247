import HTTPD
import HTTPDRouting
import NIOPosix
import Testing

@Suite("Router")
struct RouterTests {
    /// A handler answering `text` and the path parameters, as `text a=1 b=2`.
    static func says(_ text: String) -> HTTPHandler {
        { request, response in
            let parameters = request.parameters.map { " \($0.name)=\($0.value)" }.joined()
            try await response.write(status: 200, body: text + parameters)
        }
    }

    @Test("routes by method and pattern; literals win over parameters, parameters over **")
    func matching() async throws {
        let router = Router()
        try router.get("/todos", Self.says("list"))
        try router.post("/todos", Self.says("create"))
        try router.get("/todos/new", Self.says("form"))
        try router.get("/todos/:id", Self.says("one"))
        try router.get("/todos/:id/items/:item", Self.says("item"))
        try router.get("/files/**", Self.says("file"))
        try router.get("/", Self.says("home"))
        try await TestServer.with(mux: router) { test throws in
            #expect(try await test.request("/todos").text == "list")
            #expect(try await test.request("/todos/", method: .POST, body: []).text == "create")
            #expect(try await test.request("/todos/new").text == "form")
            #expect(try await test.request("/todos/7").text == "one id=7")
            #expect(try await test.request("/todos/7/items/x").text == "item id=7 item=x")
            #expect(try await test.request("/files/a/b/c.txt").text == "file **=a/b/c.txt")
            #expect(try await test.request("/files").text == "file **=")
            #expect(try await test.request("/").text == "home")
            #expect(try await test.request("/todos/7/other").status == 404)
        }
    }

    @Test("path parameters are percent-decoded and typed; a bad value or escape is 400")
    func parameters() async throws {
        let router = Router()
        try router.get("/users/:name") { request, response in
            try await response.write(status: 200, body: try request.parameters.require("name"))
        }
        try router.get("/todos/:id") { request, response in
            let id = try request.parameters.require("id", as: Int.self)
            #expect(request.parameters.get("id", as: Double.self) == Double(id))
            try await response.write(status: 200, body: "\(id + 1)")
        }
        try router.get("/typo/:id") { request, response in
            _ = try request.parameters.require("ID", as: Int.self)
        }
        try router.get("/raw/**") { request, response in try await response.write(status: 200, body: request.parameters["**"]!) }
        try await TestServer.with(mux: router) { test throws in
            #expect(try await test.request("/users/J%C3%BCrgen%20M").text == "Jürgen M")
            #expect(try await test.request("/todos/41").text == "42")
            let bad = try await test.request("/todos/abc")
            #expect(bad.status == 400)
            #expect(bad.text == "400 Bad Request: path parameter id must be an integer, got \"abc\"\n")
            // Raw bytes: AsyncHTTPClient would escape the stray %.
            let client = try await test.connect()
            try await client.send("GET /users/%zz HTTP/1.1\r\nHost: h\r\n\r\n")
            #expect(try await client.readResponse()?.status == 400)
            #expect(try await test.request("/raw/a%2Fb/c%20d").text == "a/b/c d")
            // Misuse (a name the pattern does not have) is the server's fault: 500.
            #expect(try await test.request("/typo/1").status == 500)
        }
    }

    @Test("HEAD is served by GET, OPTIONS lists the methods, another method is 405 with Allow")
    func methods() async throws {
        let router = Router()
        try router.get("/r", Self.says("got"))
        try router.delete("/r", Self.says("deleted"))
        try await TestServer.with(mux: router) { test throws in
            let head = try await test.request("/r", method: .HEAD)
            #expect(head.status == 200)
            #expect(head.headers["Content-Length"] == ["3"])
            #expect(head.body.isEmpty)
            let options = try await test.request("/r", method: .OPTIONS)
            #expect(options.status == 204)
            #expect(options.headers["Allow"] == ["DELETE, GET, HEAD, OPTIONS"])
            let put = try await test.request("/r", method: .PUT, body: [1])
            #expect(put.status == 405)
            #expect(put.headers["Allow"] == ["DELETE, GET, HEAD, OPTIONS"])
            #expect(put.text == "405 Method Not Allowed: PUT is not allowed for /r\n")
            #expect(try await test.request("/r", method: .DELETE).text == "deleted")
            let missing = try await test.request("/nothing")
            #expect(missing.status == 404)
            #expect(missing.text == "404 Not Found: no route for GET /nothing\n")
        }
    }

    @Test("groups add a prefix; nested groups add theirs; server.register adds an any-method route")
    func groups() async throws {
        let router = Router()
        let api = router.group("/api/")
        try api.get("/status", Self.says("ok"))
        let users = api.group("users")
        try users.get(":id", Self.says("user"))
        try users.get("", Self.says("users"))
        try await TestServer.with(mux: router) { test throws in
            try await test.server.register("/legacy/:what", handler: Self.says("legacy"))
            #expect(try await test.request("/api/status").text == "ok")
            #expect(try await test.request("/api/users").text == "users")
            #expect(try await test.request("/api/users/5").text == "user id=5")
            #expect(try await test.request("/legacy/x", method: .POST, body: []).text == "legacy what=x")
        }
    }

    @Test("routes and middleware run on the connection's event loop")
    func noHop() async throws {
        let router = Router()
        router.use(Middleware { request, response, next in
            request.userInfo["middleware on loop"] = MultiThreadedEventLoopGroup.currentEventLoop != nil
            try await next(request, response)
        })
        try router.get("/where/:x") { request, response in
            let onLoop = MultiThreadedEventLoopGroup.currentEventLoop != nil
            try await response.write(status: 200, body: "\(request.userInfo["middleware on loop"] as? Bool ?? false) \(onLoop)")
        }
        try await TestServer.with(mux: MiddlewareMux(router, Middleware { request, response, next in
            try await next(request, response)
        })) { test throws in
            #expect(try await test.request("/where/1").text == "true true")
        }
    }

    @Test("routes registered again replace the earlier handler")
    func replace() async throws {
        let router = Router()
        try router.get("/r", Self.says("first"))
        try router.get("/r", Self.says("second"))
        try await TestServer.with(mux: router) { test throws in
            #expect(try await test.request("/r").text == "second")
        }
    }

    @Test("a pattern or method that cannot work throws an error saying why")
    func invalidPatterns() {
        let router = Router()
        for pattern in ["todos", "/a/**/b", "/a/:", "/a/:x/:x", "/a?b", "/a*"] {
            #expect(throws: RoutingError.self, "\(pattern)") { try router.get(pattern, Self.says("x")) }
        }
        #expect(throws: RoutingError.invalidPattern("/a", reason: "\"get\" is not a method name (GET, POST, …)")) {
            try router.on("get", "/a", Self.says("x"))
        }
        let error = #expect(throws: RoutingError.self) { try router.get("/a/**/b", Self.says("x")) }
        #expect(error?.description == "route pattern \"/a/**/b\": ** must be the last segment")
    }
}
