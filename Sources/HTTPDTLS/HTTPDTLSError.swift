/// What went wrong while loading TLS certificates, keys or trust roots; each case names the file.
public enum HTTPDTLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read (missing, no permission, …).
    case unreadableFile(path: String, reason: String)
    /// The file holds no PEM certificate, or one that does not parse.
    case invalidCertificate(path: String, reason: String)
    /// The file holds no PEM private key, or one that does not parse (encrypted keys are not supported).
    case invalidPrivateKey(path: String, reason: String)
    /// The private key does not belong to the certificate (the first one of the chain).
    case keyDoesNotMatchCertificate(keyPath: String, certificatePath: String)
    /// The TLS configuration was refused by swift-nio-ssl (BoringSSL).
    case invalidConfiguration(reason: String)
    /// A server name for SNI is not a host name (`example.com`, or `*.example.com` for one label).
    case invalidServerName(String)
    /// `HTTPServer.reloadTLS` found no TLS listener at `address` (or none at all, for a nil address);
    /// `tlsListeners` are the addresses of those it has.
    case noTLSListener(address: String?, tlsListeners: [String])
    /// Certificate files were given to reload a context built from a `TLSConfiguration`, which only
    /// `HTTPSContext.reload(configuration:)` (or `reload()`) can replace.
    case certificateFilesOnConfiguration(certificatePath: String)

    /// A sentence that says what was wrong and where.
    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason): return "cannot read \(path): \(reason)"
        case .invalidCertificate(let path, let reason): return "no usable PEM certificate in \(path): \(reason)"
        case .invalidPrivateKey(let path, let reason): return "no usable PEM private key in \(path): \(reason)"
        case .keyDoesNotMatchCertificate(let key, let certificate):
            return "the private key in \(key) does not match the certificate in \(certificate)"
        case .invalidConfiguration(let reason): return "TLS configuration refused: \(reason)"
        case .invalidServerName(let name): return "invalid TLS server name \"\(name)\": expected a host name or *.domain"
        case .noTLSListener(let address, let tlsListeners):
            let listed = tlsListeners.isEmpty ? "the server has none" : "the server's are \(tlsListeners.joined(separator: ", "))"
            return "no TLS listener\(address.map { " at \($0)" } ?? ""): \(listed)"
        case .certificateFilesOnConfiguration(let path):
            return "cannot load \(path) into a TLS context built from a TLSConfiguration: reload it with reload(configuration:)"
        }
    }
}
