import Foundation
import HTTPD
import HTTPDTLS
import NIOSSL
import Testing

/// Certificates: SNI, reloads, errors that name the file, mutual TLS.
@Suite("TLS: certificates")
struct TLSCertificateTests {
    static func server(_ tls: HTTPSContext) async throws -> HTTPServer {
        let server = try await HTTPServer.start(listeners: [.tls("127.0.0.1:0", tls)])
        try await server.register("/") { request, response in
            try await response.write(status: 200, body: "client=\(request.tlsClientCertificate?.subject ?? "none")")
        }
        return server
    }

    @Test("SNI picks the certificate by server name (exact and wildcard), the default for others and none")
    func sni() async throws {
        let tls = try HTTPSContext(
            certificate: Fixture.rsa, serverNames: ["a.example": Fixture.aExample, "*.b.example": Fixture.bExample])
        let server = try await Self.server(tls)
        let port = server.port!
        #expect(try await TLSProbe.run(port: port, serverName: "a.example").serverCommonName == "a.example")
        #expect(try await TLSProbe.run(port: port, serverName: "A.EXAMPLE").serverCommonName == "a.example")
        #expect(try await TLSProbe.run(port: port, serverName: "x.b.example").serverCommonName == "b.example")
        #expect(try await TLSProbe.run(port: port, serverName: "c.example").serverCommonName == "localhost")
        #expect(try await TLSProbe.run(port: port, serverName: nil).serverCommonName == "localhost")
        await server.stop()
    }

    @Test("A reload serves new connections with the new certificate; an open connection carries on")
    func reload() async throws {
        let tls = try HTTPSContext(certificate: Fixture.rsa)
        let server = try await Self.server(tls)
        let port = server.port!
        // The client keeps its connection open between requests.
        try await withHTTPClient(try tlsHTTPClient()) { client in
            #expect(try await fetch(client, "https://localhost:\(port)/").status == 200)
            try tls.reload(certificate: Fixture.aExample)
            #expect(tls.reloadCount == 1)
            #expect(try await TLSProbe.run(port: port).serverCommonName == "a.example")
            // The kept-alive connection still works (a new one would fail: a.example is not localhost).
            #expect(try await fetch(client, "https://localhost:\(port)/").status == 200)
            #expect(server.connectionCount >= 1)
        }
        await server.stop()
    }

    @Test("A bad reload throws an error naming the file and keeps the certificate in use")
    func badReload() async throws {
        let tls = try HTTPSContext(certificate: Fixture.rsa)
        let server = try await Self.server(tls)
        let missing = Fixture.path("missing.pem")
        #expect(throws: HTTPDTLSError.unreadableFile(path: missing, reason: "No such file or directory")) {
            try tls.reload(certificate: TLSCertificateFiles(chain: missing, key: Fixture.rsa.key))
        }
        let mismatched = TLSCertificateFiles(chain: Fixture.rsa.chain, key: Fixture.ec.key)
        #expect(throws: HTTPDTLSError.keyDoesNotMatchCertificate(keyPath: Fixture.ec.key, certificatePath: Fixture.rsa.chain)) {
            try tls.reload(certificate: mismatched)
        }
        let notAKey = TLSCertificateFiles(chain: Fixture.rsa.chain, key: Fixture.rsa.chain)
        do {
            try tls.reload(certificate: notAKey)
            Issue.record("a certificate taken for a key")
        } catch {
            #expect("\(error)".contains(Fixture.rsa.chain))
        }
        #expect(tls.reloadCount == 0)
        #expect(try await TLSProbe.run(port: server.port!).serverCommonName == "localhost")
        await server.stop()
    }

    @Test("Mutual TLS required: a client certificate from the trusted CA is accepted and its subject seen; others refused")
    func mutualRequired() async throws {
        let tls = try HTTPSContext(certificate: Fixture.ec, clientAuthentication: .required(trustRoots: Fixture.clientCA))
        let server = try await Self.server(tls)
        let port = server.port!
        let good = try await TLSProbe.run(port: port, clientCertificate: Fixture.client)
        #expect(good.response.hasSuffix("client=CN=alice,O=swift-httpd tests"))
        let rogue = try await TLSProbe.run(port: port, clientCertificate: Fixture.rogueClient)
        #expect(!rogue.response.contains("200"))
        let none = try await TLSProbe.run(port: port)
        #expect(!none.response.contains("200"))
        // AsyncHTTPClient with a client certificate.
        let answer = try await withHTTPClient(try tlsHTTPClient(clientCertificate: Fixture.client)) { client in
            try await fetch(client, "https://localhost:\(port)/")
        }
        #expect(answer.body == "client=CN=alice,O=swift-httpd tests")
        await server.stop()
    }

    @Test("Mutual TLS optional: no certificate is accepted, a certificate that does not verify is refused")
    func mutualOptional() async throws {
        let tls = try HTTPSContext(certificate: Fixture.ec, clientAuthentication: .optional(trustRoots: Fixture.clientCA))
        let server = try await Self.server(tls)
        let port = server.port!
        #expect(try await TLSProbe.run(port: port).response.hasSuffix("client=none"))
        #expect(try await TLSProbe.run(port: port, clientCertificate: Fixture.client).response.hasSuffix("client=CN=alice,O=swift-httpd tests"))
        #expect(!(try await TLSProbe.run(port: port, clientCertificate: Fixture.rogueClient).response.contains("200")))
        await server.stop()
    }

    @Test("A configuration built with swift-nio-ssl's types is used as given")
    func userConfiguration() async throws {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(Fixture.ec.chain).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: Fixture.ec.key, format: .pem)))
        configuration.maximumTLSVersion = .tlsv12
        let tls = try HTTPSContext(configuration: configuration)
        let server = try await HTTPServer.start(listeners: [.tls("127.0.0.1:0", tls)])
        try await server.register("/") { request, response in
            try await response.write(status: 200, body: "\(request.tlsDetails?.version.map { "\($0)" } ?? "-")")
        }
        let outcome = try await TLSProbe.run(port: server.port!)
        await server.stop()
        #expect(outcome.response.hasSuffix("tlsv12"))
    }
}
