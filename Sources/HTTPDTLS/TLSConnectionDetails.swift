import NIOConcurrencyHelpers
import NIOSSL

/// What one TLS connection's requests learn about its session (`HTTPRequest.transportDetails` on a TLS
/// listener): filled in when the handshake completes, before any request is read.
public final class TLSConnectionDetails: Sendable {
    private struct Session: Sendable {
        var version: TLSVersion?
        var applicationProtocol: String?
        var clientCertificate: TLSClientCertificate?
    }

    private let session = NIOLockedValueBox(Session())

    init() {}

    /// The protocol version negotiated (`.tlsv12` or `.tlsv13`).
    public var version: TLSVersion? { session.withLockedValue { $0.version } }
    /// The ALPN protocol agreed on (`"http/1.1"`), if the client offered ALPN.
    public var applicationProtocol: String? { session.withLockedValue { $0.applicationProtocol } }
    /// The client's verified certificate, on a listener with client authentication; nil otherwise.
    public var clientCertificate: TLSClientCertificate? { session.withLockedValue { $0.clientCertificate } }

    func handshakeCompleted(version: TLSVersion?, applicationProtocol: String?, clientCertificate: TLSClientCertificate?) {
        session.withLockedValue {
            $0.version = version
            $0.applicationProtocol = applicationProtocol
            $0.clientCertificate = clientCertificate
        }
    }
}
