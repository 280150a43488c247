import HTTPD
import NIOCore
import NIOTLS

/// How an HTTP/2 listener decides, per connection, between HTTP/2 and HTTP/1.1 (the listener's
/// `ProtocolSelector`), each within the server's `requestTimeout` (a client that says nothing, or stalls
/// in the TLS handshake, is closed).
enum HTTP2ProtocolSelection {
    /// Sets a connection up once its protocol is known: `isHTTP2` true for HTTP/2, false for HTTP/1.1.
    typealias Choice = (_ isHTTP2: Bool, _ channel: any Channel) throws -> Void

    /// Over TLS: by what the handshake agreed on with ALPN: `h2` is HTTP/2, anything else (or no ALPN)
    /// HTTP/1.1.
    static func byALPN(on channel: any Channel, serving: HTTPServing, options: HTTP2Options) throws {
        try select(on: channel, serving: serving, options: options) { choose in
            ApplicationProtocolNegotiationHandler { result, channel in
                channel.eventLoop.makeCompletedFuture { try choose(result == .negotiated("h2"), channel) }
            }
        }
    }

    /// In clear text: by the first bytes: HTTP/2's connection preface (`PRI * HTTP/2.0…`) is HTTP/2
    /// with prior knowledge, anything else HTTP/1.1 (decided at the first byte that differs).
    static func byPreface(on channel: any Channel, serving: HTTPServing, options: HTTP2Options) throws {
        try select(on: channel, serving: serving, options: options) { choose in HTTP2PrefaceDetector(choose: choose) }
    }

    /// Adds the deadline and the handler `detector` makes, which calls the choice it is given once it
    /// knows the protocol.
    private static func select(
        on channel: any Channel, serving: HTTPServing, options: HTTP2Options,
        detector: (@escaping Choice) -> any ChannelHandler
    ) throws {
        let deadline = ProtocolChoiceDeadline(timeout: TimeAmount(serving.settings.requestTimeout))
        let choose: Choice = { isHTTP2, channel in
            deadline.protocolChosen()
            if isHTTP2 {
                try HTTP2Connection.configure(on: channel, serving: serving, options: options)
            } else {
                try serving.serveHTTP1(on: channel)
            }
        }
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(deadline)
        try sync.addHandler(detector(choose))
    }
}
