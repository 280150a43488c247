import HTTPD
import HTTPDTLS
import Testing

/// How a test reaches its server: plain TCP, or TLS (a listener with the fixture certificate, reached
/// through a `TLSRelay` so that raw-byte clients work unchanged). Scenarios that take one run the same
/// body over both (`@Test(arguments: TestTransport.allCases)`).
enum TestTransport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case plain
    case tls

    var testDescription: String { rawValue }

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
