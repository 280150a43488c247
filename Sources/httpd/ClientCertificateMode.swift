import ArgumentParser
import HTTPDTLS

/// `--tls-client-auth`: whether clients of the TLS listeners must present a certificate that verifies
/// against `--tls-client-ca`, or may present one (which must then verify).
enum ClientCertificateMode: String, CaseIterable, ExpressibleByArgument {
    case required
    case optional

    /// The listeners' client authentication with the roots in `trustRoots`.
    func authentication(trustRoots: String) -> TLSClientAuthentication {
        switch self {
        case .required: return .required(trustRoots: trustRoots)
        case .optional: return .optional(trustRoots: trustRoots)
        }
    }
}
