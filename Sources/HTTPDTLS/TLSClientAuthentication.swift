import NIOSSL

/// Whether a TLS listener asks clients for certificates (mutual TLS), and which roots they must chain to.
public enum TLSClientAuthentication: Sendable, Hashable {
    /// No client certificates (the default).
    case none
    /// Clients may present a certificate; one that is presented must verify against the PEM roots in
    /// `trustRoots`. `HTTPRequest.tlsClientCertificate` is nil for clients that presented none.
    case optional(trustRoots: String)
    /// Clients must present a certificate that verifies against the PEM roots in `trustRoots`; the
    /// handshake fails otherwise.
    case required(trustRoots: String)

    /// Sets the verification mode and trust roots of `configuration`, reading the roots file.
    func apply(to configuration: inout TLSConfiguration) throws(HTTPDTLSError) {
        let path: String
        switch self {
        case .none:
            configuration.certificateVerification = .none
            return
        case .optional(let roots):
            configuration.certificateVerification = .optionalVerification
            path = roots
        case .required(let roots):
            configuration.certificateVerification = .noHostnameVerification
            path = roots
        }
        let bytes = try TLSCertificateFiles.readFile(path)
        let roots: [NIOSSLCertificate]
        do {
            roots = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw .invalidCertificate(path: path, reason: "\(error)")
        }
        guard !roots.isEmpty else { throw .invalidCertificate(path: path, reason: "no BEGIN CERTIFICATE block") }
        configuration.trustRoots = .certificates(roots)
        configuration.sendCANameList = true
    }
}
