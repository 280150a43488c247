import HTTPD
import Logging
import NIOConcurrencyHelpers
import Testing

/// What the server logs about a request behind a proxy names the original client, with the proxy as
/// the peer.
@Suite("Deployment: log lines name the client behind a proxy")
struct ProxiedLogTests {
    /// A log handler that keeps each message with its metadata as `message client=… peer=…`.
    struct MetadataLog: LogHandler {
        let lines: NIOLockedValueBox<[String]>
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            lines.withLockedValue { $0.append(([event.message.description] + fields).joined(separator: " ")) }
        }
    }

    struct Failure: Error {}

    @Test("a handler that throws behind a trusted proxy is logged with client= the original client and peer= the proxy")
    func handlerErrorNamesOriginalClient() async throws {
        let lines = NIOLockedValueBox<[String]>([])
        let logger = Logger(label: "test") { _ in MetadataLog(lines: lines) }
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
        let errors = lines.withLockedValue { $0 }.filter { $0.hasPrefix("handler for /fail threw") }
        #expect(errors.count == 2, "\(lines.withLockedValue { $0 })")
        #expect(errors.first?.contains(" client=198.51.100.4:0 peer=127.0.0.1:") == true, "\(errors)")
        #expect(errors.last?.contains(" client=127.0.0.1:") == true && errors.last?.contains("peer=") == false, "\(errors)")
    }
}
