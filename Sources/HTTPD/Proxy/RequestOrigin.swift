/// Where a request really came from, when a PROXY header or trusted proxies' forwarding headers say
/// more than the socket does; `HTTPRequest` reports it.
final class RequestOrigin: Sendable {
    /// The original client's address (or socket path).
    let client: String
    /// The original client's port, when known.
    let clientPort: Int?
    /// The direct peer: the proxy's address.
    let peerAddress: String
    /// The direct peer's port.
    let peerPort: Int?
    /// The scheme the client used, as a trusted proxy reported it (`https`), if one did.
    let scheme: String?
    /// The host the client asked for, as a trusted proxy reported it, if one did.
    let host: String?

    init(client: String, clientPort: Int?, peerAddress: String, peerPort: Int?, scheme: String?, host: String?) {
        self.client = client
        self.clientPort = clientPort
        self.peerAddress = peerAddress
        self.peerPort = peerPort
        self.scheme = scheme
        self.host = host
    }
}
