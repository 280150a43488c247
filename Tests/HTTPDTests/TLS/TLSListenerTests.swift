import AsyncHTTPClient
import Foundation
import HTTPD
import HTTPDTLS
import Logging
import NIOSSL
import Testing

/// HTTPS listeners through real sockets: one server on plain and TLS addresses, TLS 1.2 and 1.3, the
/// request's scheme, files over TLS, curl.
@Suite("TLS: listeners")
struct TLSListenerTests {
    /// A server with a plain and a TLS listener (ports 0), answering `/` with the scheme and `isSecure`.
    static func start(_ tls: HTTPSContext, settings: HTTPSettings = testSettings(), logger: Logger? = nil) async throws -> HTTPServer {
        let server = try await HTTPServer.start(
            settings: settings, logger: logger ?? Logger(label: "tls-test"),
            listeners: [.plain("127.0.0.1:0"), .tls("127.0.0.1:0", tls)])
        try await server.register("/") { request, response in
            try await response.write(status: 200, body: "\(request.scheme) \(request.isSecure)")
        }
        return server
    }

    static func port(_ server: HTTPServer, _ index: Int) -> Int {
        Int(server.addresses[index].split(separator: ":").last!)!
    }

    @Test("One server, one mux: plain on one port, TLS 1.3 and 1.2 on another (RSA and ECDSA)", arguments: ["rsa", "ec"])
    func plainAndTLS(key: String) async throws {
        let tls = try HTTPSContext(certificate: key == "rsa" ? Fixture.rsa : Fixture.ec)
        let server = try await Self.start(tls)
        let plain = try await ClientRequest.get("http://127.0.0.1:\(Self.port(server, 0))/")
        #expect(String(decoding: plain.body, as: UTF8.self) == "http false")
        for maximum in [TLSVersion.tlsv13, .tlsv12] {
            let answer = try await withHTTPClient(try tlsHTTPClient(maximum: maximum)) { client in
                try await fetch(client, "https://localhost:\(Self.port(server, 1))/")
            }
            #expect(answer.status == 200)
            #expect(answer.body == "https true")
        }
        await server.stop()
    }

    @Test("ALPN offers http/1.1, the session is recorded for the handler")
    func sessionDetails() async throws {
        let tls = try HTTPSContext(certificate: Fixture.ec)
        let server = try await HTTPServer.start(listeners: [.tls("127.0.0.1:0", tls)])
        try await server.register("/") { request, response in
            let details = request.tlsDetails
            try await response.write(status: 200, body: "\(details?.version.map { "\($0)" } ?? "-") \(details?.applicationProtocol ?? "-")")
        }
        let answer = try await withHTTPClient(try tlsHTTPClient()) { client in
            try await fetch(client, "https://localhost:\(server.port!)/")
        }
        await server.stop()
        #expect(answer.body == "tlsv13 http/1.1")
    }

    @Test("A request that fails inside withHTTPClient fails the test, not the process: the client is shut down")
    func failedRequestShutsTheClientDown() async throws {
        let server = try await HTTPServer.start(listeners: [.tls("127.0.0.1:0", try HTTPSContext(certificate: Fixture.ec))])
        let port = server.port!
        await server.stop()  // nothing listens there now: the connect is refused
        let client = try tlsHTTPClient()
        await #expect(throws: (any Error).self) {
            try await withHTTPClient(client) { try await fetch($0, "https://localhost:\(port)/") }
        }
        // Shut down already (a client freed while still running stops the process in a debug build).
        await #expect(throws: HTTPClientError.alreadyShutdown) { try await client.shutdown() }
    }

    @Test("A 3 MiB file over TLS arrives whole, read in chunks")
    func fileOverTLS() async throws {
        let file = try PatternFile(size: 3 << 20, prefix: "httpd-tls")
        defer { file.remove() }
        let bytes = file.bytes
        let tls = try HTTPSContext(certificate: Fixture.ec)
        let server = try await HTTPServer.start(listeners: [.tls("127.0.0.1:0", tls)])
        try await server.register("/big") { _, response in try await response.file(path: file.path) }
        let (response, body) = try await withHTTPClient(try tlsHTTPClient()) { client in
            let response = try await client.execute(HTTPClientRequest(url: "https://localhost:\(server.port!)/big"), timeout: .seconds(60))
            return (response, try await response.body.collect(upTo: 8 << 20))
        }
        await server.stop()
        #expect(response.status.code == 200)
        #expect(Array(body.readableBytesView) == bytes)
    }

    @Test("The file server's redirect is relative, so it keeps https")
    func redirectKeepsScheme() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("httpd-tls-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let tls = try HTTPSContext(certificate: Fixture.ec)
        let server = try await HTTPServer.start(mux: RecursiveHTTPMux(), listeners: [.tls("127.0.0.1:0", tls)])
        try await server.register("", handler: FileServer(root: folder).handler)
        let outcome = try await TLSProbe.run(port: server.port!, request: "GET /sub HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        await server.stop()
        #expect(outcome.response.hasPrefix("HTTP/1.1 301"))
        #expect(outcome.response.contains("Location: /sub/\r\n"))
    }

    @Test("curl --cacert over TLS 1.2 and 1.3", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
    func curl() async throws {
        let tls = try HTTPSContext(certificate: Fixture.rsa)
        let server = try await Self.start(tls)
        let port = Self.port(server, 1)
        for flags in [["--tlsv1.2", "--tls-max", "1.2"], ["--tlsv1.3"]] {
            let output = try await offPool {
                try run("/usr/bin/curl", ["-sS", "--cacert", Fixture.ca] + flags + ["https://localhost:\(port)/"])
            }
            #expect(output == "https true", "curl \(flags)")
        }
        await server.stop()
    }
}
