import NIOHTTP1

/// The hops a request's forwarding headers list, nearest the client first, and the walk that finds
/// the original client among them.
///
/// `Forwarded: for=192.0.2.60;proto=https, for="[2001:db8::1]:4711"` (RFC 7239) and
/// `X-Forwarded-For: 192.0.2.60, 10.0.0.2` (with `X-Forwarded-Proto` and `X-Forwarded-Host`) both say
/// the same thing: each proxy appends the address it was connected from, with the scheme and host
/// that connection asked for.
struct ForwardedHops {
    /// One hop: the address a proxy saw (`for`), and the scheme and host the request had there.
    struct Hop: Equatable {
        var node: String?
        var proto: String?
        var host: String?
    }

    /// What the walk found: the client (when some hop named one) and the scheme and host nearest it.
    struct Finding: Equatable {
        var client: String?
        var clientPort: Int?
        var scheme: String?
        var host: String?
    }

    /// The hops, in header order (the client's end first, the nearest proxy's last).
    var hops: [Hop]

    /// The hops of `fields` in the headers `kind` reads; empty when there are none.
    init(_ fields: HTTPHeaders, kind: TrustedProxies.Headers) {
        switch kind {
        case .forwarded:
            hops = Self.forwarded(fields)
        case .xForwarded:
            hops = Self.xForwarded(fields)
        case .either:
            hops = fields.contains(name: "forwarded") ? Self.forwarded(fields) : Self.xForwarded(fields)
        }
    }

    init(hops: [Hop]) {
        self.hops = hops
    }

    /// Walks from the right: every hop there was written by a trusted proxy (the peer, then each
    /// trusted address the walk passes), so its scheme and host are taken; its address is the client
    /// unless trusted too, in which case the walk goes on. A hop without a usable address (`unknown`, an
    /// obfuscated name, garbage) ends the walk: beyond it nothing can be checked.
    func walk(trusting trusted: TrustedProxies) -> Finding {
        var finding = Finding()
        for hop in hops.reversed() {
            if let proto = hop.proto { finding.scheme = proto }
            if let host = hop.host { finding.host = host }
            guard let node = hop.node, let address = Self.node(node) else { break }
            finding.client = address.host
            finding.clientPort = address.port
            if !trusted.contains(address.bits) { break }
        }
        return finding
    }

    // MARK: Forwarded (RFC 7239)

    /// Every element of every `Forwarded` header, in order.
    static func forwarded(_ fields: HTTPHeaders) -> [Hop] {
        var hops: [Hop] = []
        for value in fields["forwarded"] {
            for element in split(Substring(value), at: ",") {
                var hop = Hop()
                for pair in split(element, at: ";") {
                    guard let equals = pair.firstIndex(of: "=") else { continue }
                    let name = pair[..<equals].trimmingSpaces.lowercased()
                    let value = unquoted(pair[pair.index(after: equals)...].trimmingSpaces)
                    switch name {
                    case "for": hop.node = value
                    case "proto": hop.proto = scheme(value)
                    case "host": hop.host = host(value)
                    default: break
                    }
                }
                hops.append(hop)
            }
        }
        return hops
    }

    /// `text` split at `separator` outside quoted strings, each part without the spaces around it.
    static func split(_ text: Substring, at separator: Character) -> [Substring] {
        var parts: [Substring] = []
        var start = text.startIndex
        var quoted = false
        var escaped = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if escaped {
                escaped = false
            } else if quoted && character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
            } else if !quoted && character == separator {
                parts.append(text[start..<index].trimmingSpaces)
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        parts.append(text[start...].trimmingSpaces)
        return parts.filter { !$0.isEmpty }
    }

    /// A token, or a quoted string's content with its escapes resolved.
    static func unquoted(_ value: Substring) -> String {
        guard value.count >= 2, value.first == "\"", value.last == "\"" else { return String(value) }
        var result = ""
        var escaped = false
        for character in value.dropFirst().dropLast() {
            if !escaped && character == "\\" {
                escaped = true
                continue
            }
            escaped = false
            result.append(character)
        }
        return result
    }

    // MARK: X-Forwarded-For, -Proto, -Host

    /// One hop per `X-Forwarded-For` entry. When `X-Forwarded-Proto` (or `-Host`) lists as many values,
    /// each hop gets its own; otherwise only the nearest hop gets the last value (the one the nearest
    /// proxy wrote).
    static func xForwarded(_ fields: HTTPHeaders) -> [Hop] {
        let nodes = list(fields, "x-forwarded-for")
        let protos = list(fields, "x-forwarded-proto")
        let hosts = list(fields, "x-forwarded-host")
        var hops = nodes.map { Hop(node: String($0)) }
        if hops.isEmpty, !(protos.isEmpty && hosts.isEmpty) { hops = [Hop()] }
        spread(protos, over: &hops, into: \.proto) { scheme(String($0)) }
        spread(hosts, over: &hops, into: \.host) { host(String($0)) }
        return hops
    }

    /// Gives each hop its value when there are as many values as hops, else the nearest hop the last one.
    private static func spread(
        _ values: [Substring], over hops: inout [Hop], into field: WritableKeyPath<Hop, String?>,
        reading read: (Substring) -> String?
    ) {
        guard let last = values.last, !hops.isEmpty else { return }
        if values.count == hops.count {
            for index in hops.indices { hops[index][keyPath: field] = read(values[index]) }
        } else {
            hops[hops.count - 1][keyPath: field] = read(last)
        }
    }

    /// The comma-separated entries of every header called `name`, in order.
    static func list(_ fields: HTTPHeaders, _ name: String) -> [Substring] {
        var entries: [Substring] = []
        for value in fields[name] {
            for entry in value.split(separator: ",") {
                let trimmed = entry.trimmingSpaces
                if !trimmed.isEmpty { entries.append(trimmed) }
            }
        }
        return entries
    }

    // MARK: Values

    /// A node's address and port: `192.0.2.1`, `192.0.2.1:80`, `2001:db8::1`, `[2001:db8::1]:80`; nil for
    /// `unknown`, an obfuscated name (`_hidden`) or anything else.
    static func node(_ text: String) -> (host: String, port: Int?, bits: IPAddressBits)? {
        var host = Substring(text)
        var portText: Substring?
        if host.first == "[" {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.first == ":" else { return nil }
                portText = rest.dropFirst()
            }
        } else if let colon = host.firstIndex(of: ":"), host.lastIndex(of: ":") == colon {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard let bits = IPAddressBits(host) else { return nil }
        var port: Int?
        if let portText {
            // RFC 7239 also allows an obfuscated port (`_abc`): the address still counts, the port not.
            if let number = Int(portText), (0...65535).contains(number), portText.allSatisfy(\.isASCII) {
                port = number
            } else if portText.first != "_" {
                return nil
            }
        }
        return (String(host), port, bits)
    }

    /// A URI scheme (`https`), lowercased; nil when it is not one.
    static func scheme(_ value: String) -> String? {
        let bytes = value.utf8
        guard let first = bytes.first, isLetter(first), bytes.count <= 32 else { return nil }
        for byte in bytes where !(isLetter(byte) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2B || byte == 0x2D || byte == 0x2E) {
            return nil
        }
        return value.lowercased()
    }

    /// A host as a `Host` header carries it (`a.example`, `a.example:8443`, `[::1]:8080`); nil when it
    /// holds anything else (spaces, controls, a path).
    static func host(_ value: String) -> String? {
        let bytes = value.utf8
        guard !bytes.isEmpty, bytes.count <= 255 else { return nil }
        for byte in bytes {
            let allowed = isLetter(byte) || (byte >= 0x30 && byte <= 0x3A) || byte == 0x2D || byte == 0x2E || byte == 0x5B
                || byte == 0x5D || byte == 0x5F || byte == 0x7E || byte == 0x25
            if !allowed { return nil }
        }
        return value
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A
    }
}

extension Substring {
    /// Without the spaces and tabs at either end.
    fileprivate var trimmingSpaces: Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
