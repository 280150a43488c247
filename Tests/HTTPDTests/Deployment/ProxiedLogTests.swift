import HTTPD
import Logging
import Testing

/// What the server logs about a request behind a proxy names the original client, with the proxy as
/// the peer.
@Suite("Deployment: log lines name the client behind a proxy")
struct ProxiedLogTests {
    struct Failure: Error {}

    @Test("a handler that throws behind a trusted proxy is logged with client= the original client and peer= the proxy")
    func handlerErrorNamesOriginalClient() async throws {
        let (logger, messages) = CapturedLog.logger(withMetadata: true)
        let server = try await HTTPServer.start(
            logger: logger, trustedProxies: try TrustedProxies(["127.0.0.1"]), addresses: ["127.0.0.1:0"])
        try await server.register("/fail") { _, _ in throw Failure() }
        let response = try await Who.exchange(
            port: server.port!,
            Array("GET /fail HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.4\r\nConnection: close\r\n\r\n".utf8))
        #expect(response.hasPrefix("HTTP/1.1 500"))
        let direct = try await Who.exchange(port: server.port!, Array("GET /fail HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".utf8))
        #expect(direct.hasPrefix("HTTP/1.1 500"))
        await server.stop()
        let errors = messages.all.filter { $0.hasPrefix("handler for /fail threw") }
        #expect(errors.count == 2, "\(messages.all)")
        #expect(errors.first?.contains(" client=198.51.100.4:0 peer=127.0.0.1:") == true, "\(errors)")
        #expect(errors.last?.contains(" client=127.0.0.1:") == true && errors.last?.contains("peer=") == false, "\(errors)")
    }
}
