import HTTPD
import HTTPDTLS
import NIOSSL
import Testing

/// What a TLS listener does with clients that do not complete a good handshake.
@Suite("TLS: handshakes")
struct TLSHandshakeTests {
    @Test("TLS 1.1 is refused, and the failure is one debug line")
    func oldProtocolRefused() async throws {
        let (logger, messages) = CapturedLog.logger()
        let tls = try HTTPSContext(certificate: Fixture.rsa)
        let server = try await HTTPServer.start(logger: logger, listeners: [.tls("127.0.0.1:0", tls)])
        try await server.register("/") { _, response in try await response.write(status: 200, body: "ok") }
        let outcome = try await TLSProbe.run(port: server.port!, minimum: .tlsv1, maximum: .tlsv11)
        await server.stop()
        #expect(outcome.error != nil)
        #expect(outcome.response.isEmpty)
        #expect(messages.all.filter { $0.hasPrefix("TLS handshake failed") }.count == 1)
    }

    @Test("Plain HTTP sent to the TLS port gets a readable 400")
    func plainHTTPToTLSPort() async throws {
        let tls = try HTTPSContext(certificate: Fixture.ec)
        let server = try await HTTPServer.start(listeners: [.tls("127.0.0.1:0", tls)])
        let client = try await RawClient.connect(port: server.port!)
        try await client.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let answer = try await client.readUntilClose()
        await server.stop()
        #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(answer.contains("plain HTTP request was sent to an HTTPS port"))
    }

    @Test("Garbage before the handshake is closed")
    func garbage() async throws {
        let tls = try HTTPSContext(certificate: Fixture.ec)
        let server = try await HTTPServer.start(listeners: [.tls("127.0.0.1:0", tls)])
        let client = try await RawClient.connect(port: server.port!)
        try await client.send([0x00, 0x01, 0x02, 0xFF])
        let answer = try await client.readUntilClose()
        await server.stop()
        #expect(answer.isEmpty)
    }

    @Test("A client that never sends a ClientHello, or stops in the middle of one, is closed after the request timeout",
          arguments: [false, true])
    func handshakeTimeout(partial: Bool) async throws {
        let tls = try HTTPSContext(certificate: Fixture.ec)
        let settings = testSettings { $0.requestTimeout = .milliseconds(500) }
        let server = try await HTTPServer.start(settings: settings, listeners: [.tls("127.0.0.1:0", tls)])
        let client = try await RawClient.connect(port: server.port!)
        // The start of a TLS record with a ClientHello, announcing more than is sent.
        if partial { try await client.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03]) }
        let started = ContinuousClock.now
        #expect(try await client.isClosedByServer())
        let waited = ContinuousClock.now - started
        await server.stop()
        #expect(waited < .seconds(5))
    }

    @Test("Graceful stop over TLS lets a request in progress finish, then closes with close_notify")
    func gracefulStop() async throws {
        let tls = try HTTPSContext(certificate: Fixture.ec)
        let server = try await HTTPServer.start(listeners: [.tls("127.0.0.1:0", tls)])
        let entered = Gate()
        try await server.register("/slow") { _, response in
            entered.open()
            try await Task.sleep(for: .milliseconds(600))
            try await response.write(status: 200, body: "finished")
        }
        let port = server.port!
        async let outcome = TLSProbe.run(port: port, request: "GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n")
        await entered.wait()
        await server.stop(gracePeriod: .seconds(5))
        let result = try await outcome
        #expect(result.response.hasPrefix("HTTP/1.1 200"))
        #expect(result.response.hasSuffix("finished"))
        // A close without close_notify would be reported by NIOSSL as an unclean shutdown.
        #expect(result.error == nil)
    }
}
