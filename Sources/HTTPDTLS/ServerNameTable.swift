import NIOSSL

/// The certificates chosen by SNI server name: exact names first, then `*.domain` for one label
/// under `domain`; nil (the context's default certificate) for other names and for no name.
struct ServerNameTable: Sendable {
    private var exact: [String: LoadedCertificate] = [:]
    private var wildcard: [String: LoadedCertificate] = [:]

    /// Loads every pair of files; throws the first file's error, or `invalidServerName`.
    init(_ names: [String: TLSCertificateFiles]) throws(HTTPDTLSError) {
        for (name, files) in names.sorted(by: { $0.key < $1.key }) {
            let lowered = name.lowercased()
            let loaded = try files.load()
            if lowered.hasPrefix("*.") {
                let domain = String(lowered.dropFirst(2))
                guard Self.isHostName(domain) else { throw .invalidServerName(name) }
                wildcard[domain] = loaded
            } else {
                guard Self.isHostName(lowered) else { throw .invalidServerName(name) }
                exact[lowered] = loaded
            }
        }
    }

    /// The certificate for `serverName`, or nil for the default one.
    func certificate(for serverName: String?) -> LoadedCertificate? {
        guard let name = serverName?.lowercased() else { return nil }
        if let found = exact[name] { return found }
        if let dot = name.firstIndex(of: "."), let found = wildcard[String(name[name.index(after: dot)...])] {
            return found
        }
        return nil
    }

    /// What the handshake changes for `serverName`: another certificate and key, or nothing.
    func override(for serverName: String?) -> NIOSSLContextConfigurationOverride {
        guard let found = certificate(for: serverName) else { return .noChanges }
        var override = NIOSSLContextConfigurationOverride()
        override.certificateChain = found.chain.map { .certificate($0) }
        override.privateKey = .privateKey(found.key)
        return override
    }

    /// Letters, digits, hyphens and dots, not empty, no empty label.
    private static func isHostName(_ name: String) -> Bool {
        guard !name.isEmpty, name.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.allSatisfy { byte in
                (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
            }
        }
    }
}
