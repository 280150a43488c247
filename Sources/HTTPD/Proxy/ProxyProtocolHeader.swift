/// What a PROXY protocol header (v1 or v2, as HAProxy's `send-proxy` and nginx's `proxy_protocol on`
/// send it) says about the connection that follows.
enum ProxyProtocolHeader: Equatable, Sendable {
    /// The proxy relays a client: where the client connected from (an IP address, or a socket path for a
    /// Unix-domain client, which has no port) and where it connected to.
    case proxied(source: Endpoint, destination: Endpoint)
    /// The proxy speaks for itself (v2 `LOCAL`, a health check), or relays something it cannot describe
    /// (v1 `UNKNOWN`, v2 `UNSPEC`): the connection's own addresses stand.
    case local

    /// One end of the relayed connection.
    struct Endpoint: Equatable, Sendable {
        /// An IP address (`192.0.2.1`, `2001:db8::1`) or a socket path.
        var host: String
        /// The port, for an IP address.
        var port: Int?
    }
}
