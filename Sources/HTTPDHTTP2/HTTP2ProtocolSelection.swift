import HTTPD
import NIOCore
import NIOTLS

/// How an HTTP/2 listener decides, per connection, between HTTP/2 and HTTP/1.1 (the listener's
/// `ProtocolSelector`), each within the server's `requestTimeout` (a client that says nothing, or stalls
/// in the TLS handshake, is closed).
enum HTTP2ProtocolSelection {
    /// Over TLS: by what the handshake agreed on with ALPN: `h2` is HTTP/2, anything else (or no ALPN)
    /// HTTP/1.1.
    static func byALPN(on channel: any Channel, serving: HTTPServing, options: HTTP2Options) throws {
        let deadline = ProtocolChoiceDeadline(timeout: TimeAmount(serving.settings.requestTimeout))
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(deadline)
        try sync.addHandler(
            ApplicationProtocolNegotiationHandler { result, channel in
                channel.eventLoop.makeCompletedFuture {
                    deadline.protocolChosen()
                    if case .negotiated("h2") = result {
                        try HTTP2Connection.configure(on: channel, serving: serving, options: options)
                    } else {
                        try serving.serveHTTP1(on: channel)
                    }
                }
            })
    }

    /// In clear text: by the first bytes: HTTP/2's connection preface (`PRI * HTTP/2.0…`) is HTTP/2
    /// with prior knowledge, anything else HTTP/1.1 (decided at the first byte that differs).
    static func byPreface(on channel: any Channel, serving: HTTPServing, options: HTTP2Options) throws {
        let deadline = ProtocolChoiceDeadline(timeout: TimeAmount(serving.settings.requestTimeout))
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(deadline)
        try sync.addHandler(
            HTTP2PrefaceDetector { isHTTP2, channel in
                deadline.protocolChosen()
                if isHTTP2 {
                    try HTTP2Connection.configure(on: channel, serving: serving, options: options)
                } else {
                    try serving.serveHTTP1(on: channel)
                }
            })
    }
}
