import HTTPD
import Testing

/// A handler that answers with `name`, to see which handler a mux picked.
private func answer(_ name: String) -> HTTPHandler {
    { _, response in try await response.write(status: 200, body: name) }
}

@Suite("Multiplexers")
struct MuxTests {
    @Test("the default mux matches exact paths and falls back to its default")
    func defaultMux() async throws {
        try await TestServer.with(mux: DefaultHTTPMux(default: answer("default")), routes: ["/a": answer("a")]) { test throws in
            #expect(try await test.request("/a").text == "a")
            #expect(try await test.request("/a?x=1").text == "a")
            #expect(try await test.request("/a/b").text == "default")
        }
    }

    @Test("the default mux without a default answers 404 with an empty body")
    func notFound() async throws {
        try await TestServer.with(routes: ["/a": answer("a")]) { test throws in
            let response = try await test.request("/missing")
            #expect(response.status == 404)
            #expect(response.body.isEmpty)
        }
    }

    @Test("the recursive mux tries each parent prefix, then \"\"")
    func recursiveMux() async throws {
        let routes = ["/a": answer("a"), "/a/b": answer("a/b")]
        try await TestServer.with(mux: RecursiveHTTPMux(), routes: routes) { test throws in
            #expect(try await test.request("/a/b/c/d").text == "a/b")
            #expect(try await test.request("/a/x").text == "a")
            #expect(try await test.request("/ab").status == 404)
            try await test.server.register("", handler: answer("root"))
            #expect(try await test.request("/zzz").text == "root")
        }
    }

    @Test("static muxes serve a fixed table and refuse registration")
    func staticMuxes() async throws {
        let exact = StaticHTTPMux(["/s": answer("s")], default: answer("d"))
        try await TestServer.with(mux: exact) { test throws in
            #expect(try await test.request("/s").text == "s")
            #expect(try await test.request("/s/t").text == "d")
            await #expect(throws: HTTPDError.registrationNotSupported(mux: "StaticHTTPMux")) {
                try await test.server.register("/x", handler: answer("x"))
            }
        }
        let recursive = RecursiveStaticHTTPMux(["/s": answer("s")])
        try await TestServer.with(mux: recursive) { test throws in
            #expect(try await test.request("/s/t/u").text == "s")
            #expect(try await test.request("/t").status == 404)
            await #expect(throws: HTTPDError.self) { try await test.server.register("/x", handler: answer("x")) }
        }
    }

    @Test("the custom mux calls the user's functions with the Host header")
    func customMux() async throws {
        let registered = Box<[String]>([])
        let mux = CustomHTTPMux(
            get: { host, path in answer("\(host ?? "-") \(path)") },
            put: { _, path, _ in registered.update { $0.append(path) } }
        )
        try await TestServer.with(mux: mux) { test throws in
            let response = try await test.request("/any/where", headers: [("Host", "example.org")])
            #expect(response.text == "example.org /any/where")
            try await test.server.register("/r", handler: answer("r"))
            #expect(registered.get() == ["/r"])
        }
    }

    @Test("a handler registered while serving is visible to the next request")
    func registerWhileServing() async throws {
        try await TestServer.with { test in
            #expect(try await test.request("/late").status == 404)
            try await test.server.register("/late", handler: answer("late"))
            #expect(try await test.request("/late").text == "late")
        }
    }
}
