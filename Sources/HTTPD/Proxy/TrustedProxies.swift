/// The proxies whose word the server takes about the original client: addresses and CIDR ranges, IPv4
/// and IPv6 (`["127.0.0.1", "10.0.0.0/8", "fd00::/8"]`).
///
/// Only a request whose direct peer is in the list has its forwarding headers read, walking their
/// hops from the right (the nearest proxy's) and skipping every trusted one; the first untrusted hop is
/// the client. A client's own forwarding headers sent to the server directly change nothing.
///
/// ```swift
/// let server = try await HTTPServer.start(
///     trustedProxies: try TrustedProxies(["127.0.0.1", "10.0.0.0/8"]), addresses: ["127.0.0.1:8080"])
/// ```
public struct TrustedProxies: Sendable, Hashable, CustomStringConvertible {
    /// Which forwarding headers the trusted proxies write (and so the only ones read).
    public enum Headers: Sendable, Hashable {
        /// `X-Forwarded-For`, `X-Forwarded-Proto` and `X-Forwarded-Host` (nginx's and HAProxy's usual
        /// configuration, `$proxy_add_x_forwarded_for` and `option forwardfor`). The default.
        case xForwarded
        /// `Forwarded` (RFC 7239): `for=`, `proto=` and `host=` of each element.
        case forwarded
        /// `Forwarded` when the request has one, else the `X-Forwarded-*` headers. Only safe when every
        /// trusted proxy replaces (or removes) both, as a client may send either through a proxy that
        /// appends to only one.
        case either
    }

    /// The trusted addresses and ranges.
    let ranges: [IPAddressRange]
    /// Which headers are read.
    public let headers: Headers

    /// Trusts `proxies`, each an address (`127.0.0.1`, `::1`) or a CIDR range (`10.0.0.0/8`, `fd00::/8`).
    ///
    /// - Throws: `HTTPDError.invalidAddress` naming an entry that is neither, or a range with bits set
    ///   past its prefix (`10.0.0.1/8`).
    public init(_ proxies: [String], headers: Headers = .xForwarded) throws(HTTPDError) {
        var ranges: [IPAddressRange] = []
        for proxy in proxies { try ranges.append(IPAddressRange(proxy)) }
        self.ranges = ranges
        self.headers = headers
    }

    /// Whether `address` (an IP address in text, as `HTTPRequest.peerAddress` reports it) is trusted.
    public func contains(_ address: String) -> Bool {
        guard let bits = IPAddressBits(address) else { return false }
        return contains(bits)
    }

    /// Whether `address` is in one of the ranges.
    func contains(_ address: IPAddressBits) -> Bool {
        for range in ranges where range.contains(address) { return true }
        return false
    }

    /// The list, as given: `127.0.0.1, 10.0.0.0/8`.
    public var description: String {
        ranges.map(\.description).joined(separator: ", ")
    }
}
