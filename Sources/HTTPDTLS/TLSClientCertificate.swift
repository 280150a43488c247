import NIOSSL

/// The certificate a client presented and the server verified (mutual TLS).
public struct TLSClientCertificate: Sendable {
    /// The client's own certificate.
    public let certificate: NIOSSLCertificate
    /// The verified chain, leaf first, when swift-nio-ssl reports it (with a custom verification
    /// callback); nil otherwise.
    public let validatedChain: [NIOSSLCertificate]?

    /// The subject's attributes, in certificate order.
    public var subjectName: [SSLCertificateName] { certificate.subjectName }

    /// The subject as `CN=alice,O=Example`, in certificate order.
    public var subject: String {
        subjectName.map { "\(Self.shortName($0.type))=\($0.value)" }.joined(separator: ",")
    }

    /// The subject's common name (`CN`), if it has one.
    public var commonName: String? {
        subjectName.first { $0.type == .commonName }?.value
    }

    private static func shortName(_ type: SSLCertificateNameType) -> String {
        switch type {
        case .commonName: return "CN"
        case .organization: return "O"
        case .organizationalUnit: return "OU"
        case .country: return "C"
        case .state: return "ST"
        case .city: return "L"
        case .emailAddress: return "emailAddress"
        case .userId: return "UID"
        default: return "\(type)"
        }
    }
}
