import HTTPD
import Testing

@Suite("Virtual hosts")
struct VirtualHostMuxTests {
    /// A handler answering `text`.
    static func says(_ text: String) -> HTTPHandler {
        { _, response in try await response.write(status: 200, body: text) }
    }

    /// The body of `GET path` with `Host: host` (none when nil), over a raw connection.
    static func get(_ test: TestServer, _ path: String, host: String?) async throws -> (Int, String) {
        let client = try await test.connect()
        let hostLine = host.map { "Host: \($0)\r\n" } ?? ""
        try await client.send("GET \(path) \(host == nil ? "HTTP/1.0" : "HTTP/1.1")\r\n\(hostLine)Connection: close\r\n\r\n")
        let response = try #require(try await client.readResponse())
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    @Test("register(host:) serves that host only; other hosts and no Host get the default")
    func registerByHost() async throws {
        try await TestServer.with(mux: VirtualHostMux()) { test throws in
            try await test.server.register("/", host: "admin.example", handler: Self.says("admin"))
            try await test.server.register("/", handler: Self.says("www"))
            try await test.server.register("/only-www", handler: Self.says("only www"))
            #expect(try await Self.get(test, "/", host: "admin.example") == (200, "admin"))
            #expect(try await Self.get(test, "/", host: "ADMIN.example.:8080") == (200, "admin"))
            #expect(try await Self.get(test, "/", host: "www.example") == (200, "www"))
            #expect(try await Self.get(test, "/", host: nil) == (200, "www"))
            // A host with a multiplexer of its own does not fall through to the default's paths.
            #expect(try await Self.get(test, "/only-www", host: "admin.example").0 == 404)
            #expect(try await Self.get(test, "/only-www", host: "other.example") == (200, "only www"))
        }
    }

    @Test("a host with its port is matched before the host without one")
    func exactPortFirst() async throws {
        let mux = VirtualHostMux([
            "api.example": StaticHTTPMux(["/": Self.says("any port")]),
            "api.example:8443": StaticHTTPMux(["/": Self.says("8443")]),
            "[::1]": StaticHTTPMux(["/": Self.says("v6")]),
        ])
        try await TestServer.with(mux: mux) { test throws in
            #expect(try await Self.get(test, "/", host: "api.example:8443") == (200, "8443"))
            #expect(try await Self.get(test, "/", host: "api.example:80") == (200, "any port"))
            #expect(try await Self.get(test, "/", host: "api.example") == (200, "any port"))
            #expect(try await Self.get(test, "/", host: "[::1]:8080") == (200, "v6"))
            #expect(try await Self.get(test, "/", host: "elsewhere").0 == 404)
        }
    }

    @Test("host names are compared without case, port and trailing dot")
    func normalization() {
        let mux = VirtualHostMux(["Example.COM": DefaultHTTPMux()])
        #expect(mux.mux(for: "example.com") != nil)
        #expect(mux.mux(for: "EXAMPLE.com.:80") != nil)
        #expect(mux.mux(for: "example.org") == nil)
        #expect(mux.mux(for: "::1") == nil)
    }

    @Test("registering on a host whose multiplexer is static throws")
    func staticHost() async throws {
        let mux = VirtualHostMux(["fixed.example": StaticHTTPMux([:])])
        #expect(throws: HTTPDError.registrationNotSupported(mux: "StaticHTTPMux")) {
            try mux.putHandler(host: "fixed.example", path: "/", handler: Self.says("x"))
        }
    }
}
