extension HTTPRequest {
    /// The request came over a secure transport (a TLS listener), between the client or the last proxy
    /// and this server. `scheme` also counts what a trusted proxy reported.
    public var isSecure: Bool { exchange.connection.transport.isSecure }

    /// What the listener's transport tells about the request's connection, or nil (plain listeners).
    /// `HTTPDTLS` reads the TLS session from it (`HTTPRequest.tlsClientCertificate`).
    public var transportDetails: (any Sendable)? { exchange.connection.transport.details }

    /// The scheme of the connection itself: `"https"` on a TLS listener, else `"http"`.
    var transportScheme: String { isSecure ? "https" : "http" }
}
