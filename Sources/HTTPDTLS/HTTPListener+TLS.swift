import HTTPD
import Logging
import NIOCore
import NIOSSL

extension HTTPListener {
    /// An HTTPS listener on `address` (written as in `HTTPServer.start`'s `addresses`) with the
    /// certificates and settings of `context`; several listeners may share one context.
    public static func tls(_ address: String, _ context: HTTPSContext) -> HTTPListener {
        HTTPListener(address: address, transport: .tls(context))
    }
}

extension HTTPListener.Transport {
    /// TLS with `context`, as it is when each connection is accepted (a reload affects new connections
    /// only). Plain HTTP sent to such a listener is answered 400; files go out in chunks, not `sendfile`.
    public static func tls(_ context: HTTPSContext) -> HTTPListener.Transport {
        tls(context, offeringHTTP2: false)
    }

    /// TLS with `context`; with `offeringHTTP2`, ALPN offers `h2` before `http/1.1` (for `HTTPDHTTP2`,
    /// which then picks the protocol the handshake agreed on).
    package static func tls(_ context: HTTPSContext, offeringHTTP2: Bool) -> HTTPListener.Transport {
        HTTPListener.Transport(isSecure: true, allowsFileRegions: false, configuration: context) { channel, logger in
            let details = TLSConnectionDetails()
            let tls = NIOSSLServerHandler(context: offeringHTTP2 ? context.currentOfferingHTTP2 : context.current)
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(PlainHTTPDetector(logger: logger))
            try sync.addHandler(tls)
            try sync.addHandler(TLSSessionObserver(tls: tls, details: details, logger: logger))
            return details
        }
    }
}
