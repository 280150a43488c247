/// A listening address as the reference writes it: `"host:port"`, `"[v6]:port"`, `":port"` (every
/// interface) or `"unix:/path/to/socket"`; or `"fd:N"`, a listening socket the process was given
/// (`SharedListener`).
struct ServerAddress: Sendable, Hashable {
    /// Where to listen.
    enum Endpoint: Sendable, Hashable {
        case tcp(host: String, port: Int)
        case unix(path: String)
        /// A socket already bound and listening, shared with other processes (`SharedListener`).
        case descriptor(Int32)
    }

    /// The address as given.
    let text: String
    let endpoint: Endpoint

    /// Parses `text`; throws `HTTPDError.invalidAddress` naming it when it is not an address.
    init(_ text: String) throws(HTTPDError) {
        self.text = text
        if text.hasPrefix("fd:") {
            let digits = text.dropFirst(3)
            guard let descriptor = Int32(digits), digits.allSatisfy(\.isASCII), descriptor >= 0 else {
                throw .invalidAddress(text, reason: "fd: must be followed by a descriptor number")
            }
            endpoint = .descriptor(descriptor)
            return
        }
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw .invalidAddress(text, reason: "the socket path is empty") }
            endpoint = .unix(path: path)
            return
        }
        guard let colon = text.lastIndex(of: ":") else {
            throw .invalidAddress(text, reason: "expected host:port")
        }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard let port = Int(portText), portText.allSatisfy(\.isASCII), (0...65535).contains(port) else {
            throw .invalidAddress(text, reason: "the port must be a number from 0 to 65535")
        }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else {
                throw .invalidAddress(text, reason: "an IPv6 address must be written [address]:port")
            }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            throw .invalidAddress(text, reason: "an IPv6 address must be written [address]:port")
        }
        if host.isEmpty { host = "0.0.0.0" }
        endpoint = .tcp(host: host, port: port)
    }
}
