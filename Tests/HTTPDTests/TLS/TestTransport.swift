import HTTPD
import HTTPDTLS
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// How a test reaches its server: plain TCP, or TLS (a listener with the fixture certificate, reached
/// through a `TLSRelay` so that raw-byte clients work unchanged). Scenarios that take one run the same
/// body over both (`@Test(arguments: TestTransport.tested)`).
enum TestTransport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case plain
    case tls

    var testDescription: String { rawValue }

    /// The transports a conformance scenario runs over: both, unless `HTTPD_TESTS_OVER_TLS=0` (the
    /// ThreadSanitizer run of `.ci/run` sets it: there the relayed TLS cases make the shared event loops
    /// so slow that timing-bound scenarios miss their timeouts; TLS code stays under the sanitizer
    /// through the TLS suites, and every case runs over TLS in the plain `swift test`).
    static var tested: [TestTransport] {
        getenv("HTTPD_TESTS_OVER_TLS").map { String(cString: $0) } == "0" ? [.plain] : allCases
    }

    /// A listener on `address` for this transport.
    func listener(_ address: String) throws -> HTTPListener {
        switch self {
        case .plain: return .plain(address)
        case .tls: return .tls(address, try HTTPSContext(certificate: Fixture.ec))
        }
    }

    /// What the test's clients connect to in front of `server`: nothing for plain TCP (nil), a relay
    /// that speaks TLS to the server for TLS.
    func front(for server: HTTPServer) async throws -> TLSRelay? {
        switch self {
        case .plain: return nil
        case .tls: return try await TLSRelay.start(to: server.port!)
        }
    }
}
