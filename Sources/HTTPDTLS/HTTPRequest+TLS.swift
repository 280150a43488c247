import HTTPD

extension HTTPRequest {
    /// The TLS session of the request's connection; nil on a plain listener.
    public var tlsDetails: TLSConnectionDetails? { transportDetails as? TLSConnectionDetails }

    /// The client's verified certificate (mutual TLS); nil on a plain listener, without client
    /// authentication, or when the client presented none (`.optional`).
    public var tlsClientCertificate: TLSClientCertificate? { tlsDetails?.clientCertificate }
}
