import Foundation
import HTTPD
import HTTPDTLS
import Testing

/// `server.reloadTLS`: the certificates of a running server's TLS listeners, swapped without holding
/// their contexts; seen through real connections.
@Suite("TLS: server reload")
struct TLSServerReloadTests {
    /// A server with a plain listener and two TLS listeners with contexts of their own, answering "ok".
    static func start(_ first: HTTPSContext, _ second: HTTPSContext) async throws -> HTTPServer {
        let server = try await HTTPServer.start(listeners: [
            .plain("127.0.0.1:0"), .tls("127.0.0.1:0", first), .tls("127.0.0.1:0", second),
        ])
        try await server.register("/") { _, response in try await response.write(status: 200, body: "ok") }
        return server
    }

    /// The common names that new connections to the two TLS listeners see.
    static func names(_ server: HTTPServer) async throws -> [String?] {
        var names: [String?] = []
        for index in [1, 2] {
            names.append(try await TLSProbe.run(port: TLSListenerTests.port(server, index)).serverCommonName)
        }
        return names
    }

    @Test("reloadTLS(certificate:) switches every TLS listener for new connections; an open connection carries on")
    func reloadAll() async throws {
        let server = try await Self.start(try HTTPSContext(certificate: Fixture.rsa), try HTTPSContext(certificate: Fixture.ec))
        #expect(server.tlsContexts.count == 2)
        #expect(try await Self.names(server) == ["localhost", "localhost"])
        // The client keeps its connection open between requests.
        try await withHTTPClient(try tlsHTTPClient()) { client in
            let url = "https://localhost:\(TLSListenerTests.port(server, 1))/"
            #expect(try await fetch(client, url).status == 200)

            try server.reloadTLS(certificate: Fixture.aExample)

            #expect(try await Self.names(server) == ["a.example", "a.example"])
            #expect(server.tlsContexts.map(\.reloadCount) == [1, 1])
            // The kept-alive connection still works (a new one would fail: a.example is not localhost).
            #expect(try await fetch(client, url).status == 200)
        }
        await server.stop()
    }

    @Test("reloadTLS(listener:) changes the named listener only; an address with no TLS listener throws")
    func namedListener() async throws {
        let server = try await Self.start(try HTTPSContext(certificate: Fixture.rsa), try HTTPSContext(certificate: Fixture.ec))
        let addresses = server.addresses
        try server.reloadTLS(certificate: Fixture.bExample, listener: addresses[2])
        #expect(try await Self.names(server) == ["localhost", "b.example"])
        try server.reloadTLS(listener: addresses[1])  // the same files again
        #expect(server.tlsContexts.map(\.reloadCount) == [1, 1])

        for address in [addresses[0], "127.0.0.1:1"] {
            #expect(throws: HTTPDTLSError.noTLSListener(address: address, tlsListeners: [addresses[1], addresses[2]])) {
                try server.reloadTLS(listener: address)
            }
        }
        await server.stop()

        // Listeners that share a context are reloaded once, together.
        let shared = try HTTPSContext(certificate: Fixture.ec)
        let twice = try await HTTPServer.start(listeners: [.tls("127.0.0.1:0", shared), .tls("127.0.0.1:0", shared)])
        try twice.reloadTLS()
        #expect(twice.tlsContexts.count == 1)
        #expect(shared.reloadCount == 1)
        await twice.stop()

        let plain = try await HTTPServer.start(addresses: ["127.0.0.1:0"])
        #expect(throws: HTTPDTLSError.noTLSListener(address: nil, tlsListeners: [])) { try plain.reloadTLS() }
        await plain.stop()
    }

    @Test("A bad reload throws naming the file and the reason, and no listener changes (all or nothing)")
    func badReloadKeepsOld() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("httpd-tls-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let copy = TLSCertificateFiles(chain: folder + "/a.pem", key: folder + "/a-key.pem")
        try FileManager.default.copyItem(atPath: Fixture.aExample.chain, toPath: copy.chain)
        try FileManager.default.copyItem(atPath: Fixture.aExample.key, toPath: copy.key)
        let server = try await Self.start(try HTTPSContext(certificate: Fixture.rsa), try HTTPSContext(certificate: copy))
        try await withHTTPClient(try tlsHTTPClient()) { client in
            let url = "https://localhost:\(TLSListenerTests.port(server, 1))/"
            #expect(try await fetch(client, url).status == 200)

            // The second listener's key file is spoiled on disk: reloading from the same files fails for it,
            // and the first listener, whose files are good, is not reloaded either.
            try Data("not a key\n".utf8).write(to: URL(fileURLWithPath: copy.key))
            do throws(HTTPDTLSError) {
                try server.reloadTLS()
                Issue.record("a spoiled key file reloaded")
            } catch {
                guard case .invalidPrivateKey(let path, let reason) = error else {
                    Issue.record("unexpected error \(error)")
                    return
                }
                #expect(path == copy.key)
                #expect(!reason.isEmpty)
                #expect(error.description.hasPrefix("no usable PEM private key in \(copy.key): "))
            }
            let mismatched = TLSCertificateFiles(chain: Fixture.rsa.chain, key: Fixture.ec.key)
            #expect(throws: HTTPDTLSError.keyDoesNotMatchCertificate(keyPath: Fixture.ec.key, certificatePath: Fixture.rsa.chain)) {
                try server.reloadTLS(certificate: mismatched)
            }
            let missing = TLSCertificateFiles(chain: folder + "/missing.pem", key: Fixture.ec.key)
            #expect(throws: HTTPDTLSError.unreadableFile(path: missing.chain, reason: "No such file or directory")) {
                try server.reloadTLS(certificate: missing)
            }

            #expect(server.tlsContexts.map(\.reloadCount) == [0, 0])
            #expect(try await Self.names(server) == ["localhost", "a.example"])
            #expect(try await fetch(client, url).status == 200)

            // Once the file is good again, the same call works.
            try FileManager.default.removeItem(atPath: copy.key)
            try FileManager.default.copyItem(atPath: Fixture.bExample.key, toPath: copy.key)
            try FileManager.default.removeItem(atPath: copy.chain)
            try FileManager.default.copyItem(atPath: Fixture.bExample.chain, toPath: copy.chain)
            try server.reloadTLS()
            #expect(server.tlsContexts.map(\.reloadCount) == [1, 1])
            #expect(try await Self.names(server) == ["localhost", "b.example"])
        }
        await server.stop()
    }
}
