import Foundation
import HTTPD
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `httpd --tls-cert --tls-key` as a whole process: HTTPS on its address, and SIGHUP reloading the
/// certificate from the same files (`server.reloadTLS()`), a bad one logged and the old one kept.
@Suite("TLS: httpd --tls-cert")
struct TLSHTTPDCommandTests {
    /// Starts httpd on 127.0.0.1 port 0 with `arguments`, logging to `log`; its pid and the port it
    /// printed (nil if it printed none within 30 s).
    static func start(_ arguments: [String], log: String) async throws -> (pid: pid_t, port: Int?) {
        let binary = try #require(SupervisorTests.httpdBinary, "httpd is not built beside the tests (swift build --build-tests builds it)")
        let pid = try SupervisorTests.spawn([binary, "--address", "127.0.0.1:0"] + arguments, log: log)
        var port: Int?
        _ = await eventually(within: .seconds(30)) {
            let text = SupervisorTests.read(log)
            guard let range = text.range(of: "(https://127.0.0.1:") else { return false }
            port = Int(text[range.upperBound...].prefix { $0.isNumber })
            return true
        }
        return (pid, port)
    }

    @Test("SIGHUP reloads the certificate and key from the same files; a bad key is logged and the old certificate stays")
    func reloadOnHangUp() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("httpd-tls-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let certificate = folder + "/cert.pem"
        let key = folder + "/key.pem"
        /// Puts the fixture `files` where httpd reads its certificate and key.
        func install(_ files: (chain: String, key: String)) throws {
            for (from, to) in [(files.chain, certificate), (files.key, key)] {
                try? FileManager.default.removeItem(atPath: to)
                try FileManager.default.copyItem(atPath: from, toPath: to)
            }
        }
        try install((Fixture.ec.chain, Fixture.ec.key))

        let log = folder + "/httpd.log"
        let (httpd, bound) = try await Self.start(["--tls-cert", certificate, "--tls-key", key, "--log-level", "info"], log: log)
        var stopped = false
        defer { if !stopped { kill(httpd, SIGKILL) } }
        let port = try #require(bound, "\(SupervisorTests.read(log))")
        #expect(try await TLSProbe.run(port: port).serverCommonName == "localhost")

        try install((Fixture.aExample.chain, Fixture.aExample.key))
        kill(httpd, SIGHUP)
        #expect(await eventually(within: .seconds(30)) { SupervisorTests.read(log).contains("TLS certificate reloaded") },
                "\(SupervisorTests.read(log))")
        #expect(try await TLSProbe.run(port: port).serverCommonName == "a.example")

        try Data("not a key\n".utf8).write(to: URL(fileURLWithPath: key))
        kill(httpd, SIGHUP)
        #expect(await eventually(within: .seconds(30)) { SupervisorTests.read(log).contains("TLS reload failed") },
                "\(SupervisorTests.read(log))")
        #expect(SupervisorTests.read(log).contains("no usable PEM private key in \(key)"))
        #expect(try await TLSProbe.run(port: port).serverCommonName == "a.example")

        kill(httpd, SIGTERM)
        let status = try await SupervisorTests.waitExit(httpd, seconds: 30)
        stopped = status != nil
        #expect(status == 0)
    }

    @Test("--tls-client-ca requires a client certificate; with --tls-client-auth optional a client may present none",
          arguments: [nil, "required", "optional"])
    func clientCertificates(mode: String?) async throws {
        let log = "/tmp/httpd-tls-client-auth-\(getpid())-\(mode ?? "default").log"
        defer { unlink(log) }
        let (httpd, bound) = try await Self.start(
            ["--tls-cert", Fixture.ec.chain, "--tls-key", Fixture.ec.key, "--tls-client-ca", Fixture.clientCA, "--health-path", "/healthz"]
                + (mode.map { ["--tls-client-auth", $0] } ?? []),
            log: log)
        var stopped = false
        defer { if !stopped { kill(httpd, SIGKILL) } }
        let port = try #require(bound, "\(SupervisorTests.read(log))")
        let health = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        let trusted = try await TLSProbe.run(port: port, request: health, clientCertificate: Fixture.client)
        #expect(trusted.response.hasPrefix("HTTP/1.1 200 OK"), "\(trusted)")
        let rogue = try await TLSProbe.run(port: port, request: health, clientCertificate: Fixture.rogueClient)
        #expect(rogue.response.isEmpty, "\(rogue)")
        let none = try await TLSProbe.run(port: port, request: health)
        if mode == "optional" {
            #expect(none.response.hasPrefix("HTTP/1.1 200 OK"), "\(none)")
        } else {
            #expect(none.response.isEmpty, "\(none)")
        }
        kill(httpd, SIGTERM)
        stopped = try await SupervisorTests.waitExit(httpd, seconds: 30) != nil
    }
}
