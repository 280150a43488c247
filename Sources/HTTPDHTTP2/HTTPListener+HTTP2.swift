import HTTPD
import HTTPDTLS

extension HTTPListener {
    /// An HTTPS listener on `address` that speaks HTTP/2 to clients offering `h2` by ALPN (browsers,
    /// curl, most HTTP clients) and HTTP/1.1 to the others, with the certificates and settings of `tls`.
    ///
    /// ```swift
    /// let tls = try HTTPSContext(certificate: TLSCertificateFiles(chain: "cert.pem", key: "key.pem"))
    /// let server = try await HTTPServer.start(mux: mux, listeners: [.http2("127.0.0.1:8443", tls: tls)])
    /// ```
    public static func http2(_ address: String, tls: HTTPSContext, options: HTTP2Options = .defaults) -> HTTPListener {
        HTTPListener(
            address: address,
            transport: HTTPListener.Transport.tls(tls, offeringHTTP2: true).selectingProtocol { channel, serving in
                try HTTP2ProtocolSelection.byALPN(on: channel, serving: serving, options: options)
            })
    }

    /// A plain listener on `address` that speaks HTTP/2 in clear text (h2c) to clients that open with
    /// HTTP/2's connection preface ("prior knowledge", as `curl --http2-prior-knowledge` and gRPC
    /// clients do) and HTTP/1.1 to every other client. (RFC 9113 dropped the `Upgrade: h2c` dance; it
    /// is not offered.)
    public static func h2c(_ address: String, options: HTTP2Options = .defaults) -> HTTPListener {
        HTTPListener(
            address: address,
            transport: HTTPListener.Transport.plain.selectingProtocol { channel, serving in
                try HTTP2ProtocolSelection.byPreface(on: channel, serving: serving, options: options)
            })
    }
}
