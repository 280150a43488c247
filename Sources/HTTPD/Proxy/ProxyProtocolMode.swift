/// Which of a server's listeners expect every connection to start with a PROXY protocol header (v1 or
/// v2), as HAProxy's `send-proxy` / `send-proxy-v2` and nginx's `proxy_protocol on` send it.
///
/// Such a listener trusts what the header says about the client, so it must be reachable by the proxy
/// only (bind it to loopback or a private address). A connection that starts with anything else, or a
/// malformed header, or none within the request timeout, is closed. On other listeners a PROXY header
/// is just a bad request (400).
public enum ProxyProtocolMode: Sendable, Hashable {
    /// No listener expects a PROXY header (the default).
    case off
    /// Every listener of the server expects one.
    case all
    /// The listeners at these addresses, written as in `HTTPServer.start`'s `addresses`, expect one.
    case only([String])

    /// Whether the listener for `address` (as given to `start`) expects a PROXY header.
    func applies(to address: String) -> Bool {
        switch self {
        case .off: return false
        case .all: return true
        case .only(let addresses): return addresses.contains(address)
        }
    }

    /// Throws `HTTPDError.invalidAddress` for an `.only` address that is not one of `addresses`.
    func validate(against addresses: [String]) throws(HTTPDError) {
        guard case .only(let named) = self else { return }
        for address in named where !addresses.contains(address) {
            throw .invalidAddress(address, reason: "proxyProtocol names an address that is not among the server's addresses")
        }
    }

    /// Whether some listener expects a PROXY header.
    var isOn: Bool {
        switch self {
        case .off: return false
        case .all: return true
        case .only(let addresses): return !addresses.isEmpty
        }
    }
}
