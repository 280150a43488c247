import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// The TLS side of one or more HTTPS listeners: the certificates (a default one, and more chosen by
/// the SNI server name), the protocol versions and ciphers, and client certificates. Reloadable while
/// the server runs: new connections get what the last successful load produced, open ones carry on.
///
/// Built from PEM files, the context allows TLS 1.2 and 1.3 only, TLS 1.2 with ECDHE key exchange and
/// AEAD ciphers only (BoringSSL does no renegotiation as a server, and no compression), and offers
/// ALPN `http/1.1` (`h2` first, then `http/1.1`, on the HTTP/2 listeners of `HTTPDHTTP2`). Built from a `TLSConfiguration`, it uses that configuration as given (adding ALPN
/// `http/1.1` when it names no protocol).
///
/// ```swift
/// let tls = try HTTPSContext(certificate: TLSCertificateFiles(chain: "cert.pem", key: "key.pem"))
/// let server = try await HTTPServer.start(listeners: [.plain("127.0.0.1:8080"), .tls("127.0.0.1:8443", tls)])
/// try tls.reload()  // later: the same files again, e.g. on SIGHUP
/// ```
public final class HTTPSContext: Sendable {
    /// Where the context's TLS configuration comes from.
    enum Source: Sendable {
        case files(certificate: TLSCertificateFiles, serverNames: [String: TLSCertificateFiles], clients: TLSClientAuthentication)
        case configuration(TLSConfiguration)
    }

    private struct State: Sendable {
        var source: Source
        var context: NIOSSLContext
        /// The same, offering `h2` first by ALPN (for listeners that also speak HTTP/2).
        var contextOfferingHTTP2: NIOSSLContext
        var reloads: Int
    }

    private let state: NIOLockedValueBox<State>

    /// TLS 1.2's cipher suites: ECDHE key exchange with AEAD encryption only (TLS 1.3's are all AEAD).
    public static let tls12CipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// A context serving `certificate` by default and `serverNames[name]` to clients that ask for `name`
    /// by SNI (exact names, or `*.example.com` for any one label under it), with `clientAuthentication`.
    ///
    /// - Throws: `HTTPDTLSError` naming the file that could not be read or parsed, or the key that does
    ///   not match its certificate.
    public init(
        certificate: TLSCertificateFiles, serverNames: [String: TLSCertificateFiles] = [:],
        clientAuthentication: TLSClientAuthentication = .none
    ) throws(HTTPDTLSError) {
        let source = Source.files(certificate: certificate, serverNames: serverNames, clients: clientAuthentication)
        let contexts = try Self.makeContexts(source)
        state = NIOLockedValueBox(State(source: source, context: contexts.http1, contextOfferingHTTP2: contexts.http2, reloads: 0))
    }

    /// A context from a configuration built with swift-nio-ssl's own types, used as given.
    public init(configuration: TLSConfiguration) throws(HTTPDTLSError) {
        let source = Source.configuration(configuration)
        let contexts = try Self.makeContexts(source)
        state = NIOLockedValueBox(State(source: source, context: contexts.http1, contextOfferingHTTP2: contexts.http2, reloads: 0))
    }

    /// Loads the same files again (or rebuilds the same configuration): what a certificate renewal
    /// needs. On failure the context in use stays, and the error names the file.
    public func reload() throws(HTTPDTLSError) {
        commit(try prepare(.sameSource))
    }

    /// Switches to other files; on failure the context in use stays, and the error names the file.
    public func reload(
        certificate: TLSCertificateFiles, serverNames: [String: TLSCertificateFiles] = [:],
        clientAuthentication: TLSClientAuthentication = .none
    ) throws(HTTPDTLSError) {
        commit(try prepare(.source(.files(certificate: certificate, serverNames: serverNames, clients: clientAuthentication))))
    }

    /// Switches to another configuration; on failure the context in use stays.
    public func reload(configuration: TLSConfiguration) throws(HTTPDTLSError) {
        commit(try prepare(.source(.configuration(configuration))))
    }

    /// How many reloads succeeded.
    public var reloadCount: Int { state.withLockedValue { $0.reloads } }

    /// The context new connections get.
    var current: NIOSSLContext { state.withLockedValue { $0.context } }

    /// The context new connections of a listener that also speaks HTTP/2 get: the same certificates
    /// and settings, with `h2` offered first by ALPN.
    var currentOfferingHTTP2: NIOSSLContext { state.withLockedValue { $0.contextOfferingHTTP2 } }

    /// What a reload loads.
    enum Replacement: Sendable {
        /// The files (or the configuration) in use, read again.
        case sameSource
        /// Other certificate files; the client authentication in use stays.
        case certificates(TLSCertificateFiles, serverNames: [String: TLSCertificateFiles])
        /// Another source altogether.
        case source(Source)
    }

    /// A context loaded and checked but not in use yet: `commit` switches to it. (A server reloading
    /// several contexts loads them all before switching any.)
    struct PreparedReload: Sendable {
        fileprivate let source: Source
        fileprivate let contexts: (http1: NIOSSLContext, http2: NIOSSLContext)
    }

    /// Loads what `replacement` names, without switching to it.
    ///
    /// - Throws: `HTTPDTLSError` naming the file that did not load; `.certificateFilesOnConfiguration`
    ///   for `.certificates` on a context built from a `TLSConfiguration`.
    func prepare(_ replacement: Replacement) throws(HTTPDTLSError) -> PreparedReload {
        let source: Source
        switch (replacement, state.withLockedValue { $0.source }) {
        case (.sameSource, let current): source = current
        case (.source(let given), _): source = given
        case (.certificates(let certificate, let serverNames), .files(_, _, let clients)):
            source = .files(certificate: certificate, serverNames: serverNames, clients: clients)
        case (.certificates(let certificate, _), .configuration):
            throw .certificateFilesOnConfiguration(certificatePath: certificate.chain)
        }
        return PreparedReload(source: source, contexts: try Self.makeContexts(source))
    }

    /// Switches new connections to `prepared`.
    func commit(_ prepared: PreparedReload) {
        state.withLockedValue {
            $0.source = prepared.source
            $0.context = prepared.contexts.http1
            $0.contextOfferingHTTP2 = prepared.contexts.http2
            $0.reloads += 1
        }
    }

    /// The contexts for `source`: as configured (ALPN `http/1.1` unless the configuration names its
    /// own protocols), and the same with `h2` offered first.
    private static func makeContexts(_ source: Source) throws(HTTPDTLSError) -> (http1: NIOSSLContext, http2: NIOSSLContext) {
        var configuration = try makeConfiguration(source)
        let http1 = try makeContext(configuration)
        configuration.applicationProtocols = ["h2"] + configuration.applicationProtocols.filter { $0 != "h2" }
        return (http1, try makeContext(configuration))
    }

    private static func makeContext(_ configuration: TLSConfiguration) throws(HTTPDTLSError) -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw .invalidConfiguration(reason: "\(error)")
        }
    }

    private static func makeConfiguration(_ source: Source) throws(HTTPDTLSError) -> TLSConfiguration {
        var configuration: TLSConfiguration
        switch source {
        case .configuration(let given):
            configuration = given
            if configuration.applicationProtocols.isEmpty { configuration.applicationProtocols = ["http/1.1"] }
        case .files(let certificate, let serverNames, let clients):
            let main = try certificate.load()
            configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: main.chain.map { .certificate($0) }, privateKey: .privateKey(main.key))
            configuration.minimumTLSVersion = .tlsv12
            configuration.maximumTLSVersion = .tlsv13
            configuration.cipherSuites = tls12CipherSuites
            configuration.applicationProtocols = ["http/1.1"]
            configuration.renegotiationSupport = .none
            // A client that does not answer close_notify does not hold a closing connection for long.
            configuration.shutdownTimeout = .seconds(1)
            try clients.apply(to: &configuration)
            if !serverNames.isEmpty {
                let table = try ServerNameTable(serverNames)
                configuration.sslContextCallback = { values, promise in
                    promise.succeed(table.override(for: values.serverHostname))
                }
            }
        }
        return configuration
    }
}
