/// Checks a request that asks to become a WebSocket (RFC 6455 §4.2.1) against the options: what the
/// server answers when it will not upgrade, or the subprotocol it picked when it will.
enum WebSocketHandshake {
    /// The outcome of the check.
    enum Verdict: Equatable {
        /// Upgrade, speaking `subprotocol` (nil: none).
        case accept(subprotocol: String?)
        /// Answer `status` with `headers` and `reason` as the text body; no upgrade.
        case reject(status: Int, headers: [Header], reason: String)
    }

    /// A header as the verdict carries it.
    struct Header: Equatable {
        var name: String
        var value: String
    }

    /// Checks the method, the protocol version and the headers (`values(name)`: every value of a header, trimmed).
    static func check(method: String, proto: String, values: (String) -> [String], options: WebSocketOptions) -> Verdict {
        func reject(_ reason: String) -> Verdict { .reject(status: 400, headers: [], reason: reason) }
        guard method == "GET", proto == "HTTP/1.1" else { return reject("a WebSocket handshake is an HTTP/1.1 GET request") }
        guard tokens(values("Upgrade")).contains("websocket") else {
            return reject("a WebSocket handshake needs Upgrade: websocket")
        }
        guard tokens(values("Connection")).contains("upgrade") else {
            return reject("a WebSocket handshake needs Connection: Upgrade")
        }
        let versions = values("Sec-WebSocket-Version")
        guard versions.count == 1 else { return reject("a WebSocket handshake needs one Sec-WebSocket-Version") }
        guard versions[0] == "13" else {
            return .reject(
                status: 426, headers: [Header(name: "Sec-WebSocket-Version", value: "13")],
                reason: "this server speaks WebSocket version 13")
        }
        let keys = values("Sec-WebSocket-Key")
        guard keys.count == 1, isNonce(keys[0]) else {
            return reject("Sec-WebSocket-Key must be one base64-encoded 16-byte value")
        }
        guard values("Content-Length").allSatisfy({ $0 == "0" }), values("Transfer-Encoding").isEmpty else {
            return reject("a WebSocket handshake carries no body")
        }
        guard options.acceptsOrigin(values("Origin").first) else {
            return .reject(status: 403, headers: [], reason: "this origin may not open a WebSocket here")
        }
        let offered = list(values("Sec-WebSocket-Protocol"))
        let chosen = offered.isEmpty ? nil : options.chooseSubprotocol(offered)
        return .accept(subprotocol: chosen.flatMap { offered.contains($0) ? $0 : nil })
    }

    /// The comma-separated tokens of header values, lowercased.
    static func tokens(_ values: [String]) -> [String] {
        list(values).map { $0.lowercased() }
    }

    /// The comma-separated elements of header values, without the spaces around them; empty ones left out.
    static func list(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.compactMap { element in
            var trimmed = element.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            while let last = trimmed.last, last == " " || last == "\t" { trimmed.removeLast() }
            return trimmed.isEmpty ? nil : String(trimmed)
        }
    }

    /// Whether `key` is the base64 encoding of 16 bytes: 22 base64 characters, the last carrying only
    /// two bits (`A`, `Q`, `g` or `w`), then `==`.
    static func isNonce(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard bytes.count == 24, bytes[22] == UInt8(ascii: "="), bytes[23] == UInt8(ascii: "=") else { return false }
        for byte in bytes[..<22] {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                continue
            default:
                return false
            }
        }
        return [UInt8(ascii: "A"), UInt8(ascii: "Q"), UInt8(ascii: "g"), UInt8(ascii: "w")].contains(bytes[21])
    }
}
