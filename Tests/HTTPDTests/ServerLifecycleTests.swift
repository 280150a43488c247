import HTTPD
import Testing

@Suite("Server life cycle")
struct ServerLifecycleTests {
    @Test("port 0 picks a free port and addresses reports it")
    func reportsBoundAddress() async throws {
        try await TestServer.with(routes: ["/": { _, response in try await response.write(status: 200, body: "hi") }]) { test throws in
            #expect(test.port > 0)
            #expect(test.server.addresses == ["127.0.0.1:\(test.port)"])
            let response = try await test.request("/")
            #expect(response.status == 200)
            #expect(response.text == "hi")
        }
    }

    @Test("one server listens on several addresses, IPv6 included")
    func severalAddresses() async throws {
        let server = try await HTTPServer.start("127.0.0.1:0", "[::1]:0")
        try await server.register("/") { _, response in try await response.write(status: 200, body: "both") }
        #expect(server.addresses.count == 2)
        #expect(server.addresses[1].hasPrefix("[::1]:"))
        for address in server.addresses {
            let test = TestServer(server: server)
            _ = test
            var request = "http://\(address)/"
            if address.hasPrefix("[") { request = "http://\(address)/" }
            let response = try await ClientRequest.get(request)
            #expect(response.status == 200)
            #expect(response.text == "both")
        }
        await server.stop()
    }

    @Test("a malformed address throws an error that names it")
    func badAddress() async throws {
        for address in ["localhost", "127.0.0.1:http", "127.0.0.1:70000", "::1:80", "[::1:80"] {
            let error = await #expect(throws: HTTPDError.self) { _ = try await HTTPServer.start(address) }
            #expect(error?.description.contains(address) == true)
        }
    }

    @Test("a busy address throws bindFailed naming it")
    func busyAddress() async throws {
        let first = try await HTTPServer.start(mux: DefaultHTTPMux(), socketOptions: [], addresses: ["127.0.0.1:0"])
        let taken = "127.0.0.1:\(first.port!)"
        let error = await #expect(throws: HTTPDError.self) {
            _ = try await HTTPServer.start(mux: DefaultHTTPMux(), socketOptions: [], addresses: [taken])
        }
        if case .bindFailed(let address, _) = error {
            #expect(address == taken)
        } else {
            Issue.record("expected bindFailed, got \(String(describing: error))")
        }
        await first.stop()
    }

    @Test("a non-positive setting or backlog is refused with a clear error")
    func invalidSettings() async throws {
        var settings = HTTPSettings()
        settings.maxRequestBodyLength = 0
        await #expect(throws: HTTPDError.invalidSetting(name: "maxRequestBodyLength", value: "0")) {
            _ = try await HTTPServer.start(settings: settings, addresses: ["127.0.0.1:0"])
        }
        await #expect(throws: HTTPDError.invalidSetting(name: "backlog", value: "0")) {
            _ = try await HTTPServer.start(backlog: 0, addresses: ["127.0.0.1:0"])
        }
        #expect(throws: HTTPDError.invalidSetting(name: "requestTimeout", value: "0.0 seconds")) {
            try HTTPSettings.setRequestTimeout(.zero)
        }
        #expect(throws: HTTPDError.self) { try HTTPSettings.setMaxTokenLength(-1) }
        #expect(throws: HTTPDError.self) { try HTTPSettings.setOutputBufferSize(0) }
        #expect(HTTPSettings() == HTTPSettings.referenceDefaults)
    }

    @Test("register validates the path")
    func registerValidatesPath() async throws {
        try await TestServer.with { test in
            await #expect(throws: HTTPDError.invalidPath("nope")) {
                try await test.server.register("nope") { _, _ in }
            }
            try await test.server.register("") { _, response in try await response.write(status: 200) }
        }
    }

    @Test("HTTPServer.current is the server whose handler runs")
    func currentServer() async throws {
        let seen = Box<ObjectIdentifier?>(nil)
        try await TestServer.with(routes: [
            "/": { _, response in
                seen.set(HTTPServer.current.map(ObjectIdentifier.init))
                try await response.write(status: 200)
            }
        ]) { test throws in
            // Another server started later: inside the first one's handler, the first one is current.
            // (Outside handlers `current` is the most recently started server of the whole process,
            // which tests running in parallel change at any moment: not asserted here.)
            let other = try await HTTPServer.start("127.0.0.1:0")
            _ = try await test.request("/")
            #expect(seen.get() == ObjectIdentifier(test.server))
            await other.stop()
        }
    }

    @Test("stop closes open connections and wait returns")
    func stopClosesConnections() async throws {
        let server = try await HTTPServer.start("127.0.0.1:0")
        try await server.register("/") { _, response in try await response.write(status: 200, body: "x") }
        let client = try await RawClient.connect(port: server.port!)
        try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await client.readResponse()?.status == 200)
        async let waited: Void = server.wait()
        await server.stop()
        await waited
        #expect(try await client.isClosedByServer())
        await #expect(throws: (any Error).self) { _ = try await RawClient.connect(port: server.port ?? 1) }
    }

    @Test("a graceful stop lets a request in progress finish")
    func gracefulStop() async throws {
        let held = try await RequestInProgress.start(answering: "done")
        async let stopped: Void = held.server.stop(gracePeriod: .seconds(30))
        try await held.releaseAfterStopBegan()
        await stopped
        let response = try await held.client.readResponse()
        #expect(response?.status == 200)
        #expect(response?.text == "done")
        #expect(response?.header("Connection") == "close")
        #expect(try await held.client.isClosedByServer())
    }
}
