import Foundation
import HTTPD
import HTTPDTLS
import NIOSSL
import Testing

/// The protocol versions a TLS listener accepts, as `openssl s_client` (Debian's OpenSSL 3) sees them.
@Suite("TLS: protocol versions (openssl s_client)", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
struct TLSProtocolVersionTests {
    /// `openssl s_client` forcing `version`, with the security level at 0 so that the client itself
    /// allows TLS 1.0 and 1.1 (Debian's default level refuses their signature algorithms on its own):
    /// a refusal is then the server's. It sends `request`, waits for the server to close, and returns
    /// everything it printed.
    static func sClient(port: Int, _ version: String, request: String) async throws -> String {
        try await offPool {
            try run("/usr/bin/openssl", [
                "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost", version,
                "-cipher", "DEFAULT@SECLEVEL=0", "-CAfile", Fixture.ca, "-verify_return_error", "-ign_eof",
            ], input: request, withErrors: true)
        }
    }

    @Test("TLS 1.0 and 1.1 are refused by the server with a protocol_version alert; one debug line each",
          arguments: ["-tls1", "-tls1_1"])
    func oldVersionsRefused(version: String) async throws {
        let (logger, messages) = CapturedLog.logger()
        let server = try await HTTPServer.start(logger: logger, listeners: [.tls("127.0.0.1:0", try HTTPSContext(certificate: Fixture.rsa))])
        try await server.register("/") { _, response in try await response.write(status: 200, body: "ok") }
        let output = try await Self.sClient(port: server.port!, version, request: "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        await server.stop()
        // The alert came from the server (read by the client's record layer): protocol_version is 70.
        #expect(output.contains("alert protocol version"), "\(output)")
        #expect(output.contains("SSL alert number 70"), "\(output)")
        // The client did send its ClientHello: not a configuration the client refused on its own.
        #expect(!output.contains("no protocols available") && !output.contains("no ciphers available"), "\(output)")
        #expect(output.contains("Cipher is (NONE)"), "\(output)")
        #expect(!output.contains("HTTP/1.1 200"))
        #expect(messages.all.filter { $0.hasPrefix("TLS handshake failed") }.count == 1)
    }

    @Test("Control: the same client command completes TLS 1.0 and 1.1 with a server configured to allow them",
          arguments: [("-tls1", "TLSv1"), ("-tls1_1", "TLSv1.1")])
    func oldVersionsPossibleForTheClient(version: String, name: String) async throws {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(Fixture.rsa.chain).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: Fixture.rsa.key, format: .pem)))
        configuration.minimumTLSVersion = .tlsv1
        let server = try await HTTPServer.start(listeners: [.tls("127.0.0.1:0", try HTTPSContext(configuration: configuration))])
        try await server.register("/") { _, response in try await response.write(status: 200, body: "ok") }
        let output = try await Self.sClient(
            port: server.port!, version, request: "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        await server.stop()
        #expect(output.contains("Protocol  : \(name)\n"), "\(output)")
        #expect(output.contains("HTTP/1.1 200 OK"), "\(output)")
    }

    @Test("TLS 1.2 and 1.3 complete the handshake, verify the certificate, and serve a request",
          arguments: [("-tls1_2", "TLSv1.2", "tlsv12"), ("-tls1_3", "TLSv1.3", "tlsv13")])
    func currentVersionsServed(version: String, name: String, seen: String) async throws {
        let server = try await HTTPServer.start(listeners: [.tls("127.0.0.1:0", try HTTPSContext(certificate: Fixture.rsa))])
        try await server.register("/") { request, response in
            try await response.write(status: 200, body: "over \(request.tlsDetails?.version.map { "\($0)" } ?? "-")")
        }
        let output = try await Self.sClient(
            port: server.port!, version, request: "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        await server.stop()
        #expect(output.contains("New, \(name), Cipher is "), "\(output)")
        #expect(output.contains("Verify return code: 0 (ok)"), "\(output)")
        #expect(output.contains("HTTP/1.1 200 OK"), "\(output)")
        #expect(output.contains("over \(seen)"), "\(output)")
    }
}
