import HTTPD

extension HTTPListener {
    /// The TLS context of a listener made by `HTTPListener.tls(_:_:)`; nil for a plain one.
    public var tlsContext: HTTPSContext? { transport.configuration as? HTTPSContext }
}

extension HTTPServer {
    /// The TLS contexts of the server's TLS listeners, each once (listeners may share one), in the order
    /// of `listeners`.
    public var tlsContexts: [HTTPSContext] {
        listeners.compactMap(\.tlsContext).eachOnce
    }

    /// Reloads the certificates of every TLS listener, or of the one at `address`, from the files they
    /// were loaded from (what a certificate renewal needs; `httpd` does it on SIGHUP). New connections
    /// get the new certificates, open ones carry on.
    ///
    /// All or nothing: every context is loaded and checked before any is switched, so a file that does
    /// not load leaves every listener with the certificates it had.
    ///
    /// - Parameter address: a TLS listener's address as given to `start` (`"127.0.0.1:8443"`) or as
    ///   bound (`server.addresses`); nil for all of them. Listeners that share a context change together.
    /// - Throws: `HTTPDTLSError` naming the file and what was wrong with it; `.noTLSListener` when no TLS
    ///   listener matches.
    public func reloadTLS(listener address: String? = nil) throws(HTTPDTLSError) {
        try reloadTLS(.sameSource, listener: address)
    }

    /// Switches every TLS listener, or the one at `address`, to `certificate` (and `serverNames` by SNI);
    /// each keeps its client authentication. New connections get the new certificates, open ones carry on.
    ///
    /// All or nothing, as `reloadTLS(listener:)`: a certificate or key that does not load, or a key that
    /// does not match its certificate, throws and leaves every listener as it was.
    ///
    /// - Throws: `HTTPDTLSError` naming the file and the reason; `.noTLSListener` when no TLS listener
    ///   matches; `.certificateFilesOnConfiguration` for a listener built from a `TLSConfiguration`.
    public func reloadTLS(
        certificate: TLSCertificateFiles, serverNames: [String: TLSCertificateFiles] = [:], listener address: String? = nil
    ) throws(HTTPDTLSError) {
        try reloadTLS(.certificates(certificate, serverNames: serverNames), listener: address)
    }

    private func reloadTLS(_ replacement: HTTPSContext.Replacement, listener address: String?) throws(HTTPDTLSError) {
        let contexts = try tlsContexts(at: address)
        var prepared: [(HTTPSContext, HTTPSContext.PreparedReload)] = []
        for context in contexts { prepared.append((context, try context.prepare(replacement))) }
        for (context, reload) in prepared { context.commit(reload) }
    }

    /// The distinct contexts of the TLS listeners at `address` (given or bound), or of all of them.
    private func tlsContexts(at address: String?) throws(HTTPDTLSError) -> [HTTPSContext] {
        let bound = addresses
        let tls = listeners.indices.filter { listeners[$0].tlsContext != nil }
        let chosen = tls.filter { index in
            address == nil || listeners[index].address == address || (index < bound.count && bound[index] == address)
        }
        guard !chosen.isEmpty else {
            throw .noTLSListener(address: address, tlsListeners: tls.map { $0 < bound.count ? bound[$0] : listeners[$0].address })
        }
        return chosen.compactMap { listeners[$0].tlsContext }.eachOnce
    }
}

extension Array where Element == HTTPSContext {
    /// The contexts in order, each one once.
    fileprivate var eachOnce: [HTTPSContext] {
        var seen = Set<ObjectIdentifier>()
        return filter { seen.insert(ObjectIdentifier($0)).inserted }
    }
}
