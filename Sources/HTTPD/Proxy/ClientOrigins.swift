import NIOCore
import NIOHTTP1

/// How a server finds each request's original client: from the PROXY header of its connection (on
/// listeners that expect one), then from the forwarding headers when the client so far is a trusted
/// proxy. A server with neither has none of this (`ServerContext.origins` is nil), and a request costs
/// nothing more.
final class ClientOrigins: Sendable {
    /// The proxies whose forwarding headers are believed; nil to read none.
    let trustedProxies: TrustedProxies?
    /// Some listener expects the PROXY protocol (its connections have a `ProxyProtocolHandler`).
    let proxyProtocol: Bool

    init?(trustedProxies: TrustedProxies?, proxyProtocol: Bool) {
        if trustedProxies == nil && !proxyProtocol { return nil }
        self.trustedProxies = trustedProxies
        self.proxyProtocol = proxyProtocol
    }

    /// The origin of a request from `peer` with `fields` on `connection`; nil when neither a PROXY
    /// header nor a trusted proxy changed anything.
    func origin(peer: String, peerPort: Int?, fields: HTTPHeaders, connection: HTTPConnection) -> RequestOrigin? {
        var client = peer
        var clientPort = peerPort
        var changed = false
        if proxyProtocol, let context = connection.context,
            let handler = try? context.pipeline.syncOperations.handler(type: ProxyProtocolHandler.self),
            case .proxied(let source, _) = handler.header
        {
            client = source.host
            clientPort = source.port
            changed = true
        }
        var scheme: String?
        var host: String?
        if let trustedProxies, trustedProxies.contains(client) {
            let finding = ForwardedHops(fields, kind: trustedProxies.headers).walk(trusting: trustedProxies)
            if let found = finding.client {
                client = found
                clientPort = finding.clientPort
            }
            scheme = finding.scheme
            host = finding.host
            changed = changed || finding != ForwardedHops.Finding()
        }
        guard changed else { return nil }
        return RequestOrigin(
            client: client, clientPort: clientPort, peerAddress: peer, peerPort: peerPort, scheme: scheme, host: host)
    }
}
