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
    @Test("SIGHUP reloads the certificate and key from the same files; a bad key is logged and the old certificate stays")
    func reloadOnHangUp() async throws {
        guard let binary = SupervisorTests.httpdBinary else {
            Issue.record("httpd is not built beside the tests (swift build --build-tests builds it)")
            return
        }
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

        let port = try await SupervisorTests.freePort()
        let log = folder + "/httpd.log"
        let httpd = try SupervisorTests.spawn(
            [binary, "--tls-cert", certificate, "--tls-key", key, "--address", "127.0.0.1:\(port)", "--log-level", "info"],
            log: log)
        var stopped = false
        defer { if !stopped { kill(httpd, SIGKILL) } }
        #expect(await eventually(within: .seconds(30)) { SupervisorTests.read(log).contains("https://127.0.0.1:\(port)/") },
                "\(SupervisorTests.read(log))")
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
}
