#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a PROXY protocol header, v1 (text) or v2 (binary), from the first bytes of a connection,
/// byte by byte, without trusting a length it has not checked.
///
/// v1: `PROXY TCP4 192.0.2.1 192.0.2.2 56324 443\r\n`, at most 107 bytes (the specification's bound).
/// v2: a 12-byte signature, a version and command byte, a family byte, a 2-byte length, the addresses
/// and optional TLVs (skipped), at most `maximumLength` bytes in all.
enum ProxyProtocolParser {
    /// Where parsing stands.
    enum Outcome: Equatable {
        /// The bytes so far are the start of a valid header: read more.
        case incomplete
        /// A whole header, `length` bytes long; what follows is the application's.
        case header(ProxyProtocolHeader, length: Int)
        /// Not a PROXY header, or a malformed one: why.
        case invalid(String)
    }

    /// The longest v1 header, CRLF included.
    static let v1MaximumLength = 107
    /// The longest v2 header accepted (16 bytes of fixed part, the addresses and TLVs): HAProxy's
    /// headers with TLVs (SSL details, unique ID) stay well under it.
    static let maximumLength = 4096
    static let v1Prefix = Array("PROXY ".utf8)
    static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]

    /// Parses the header at the start of `bytes`.
    static func parse(_ bytes: some RandomAccessCollection<UInt8>) -> Outcome {
        let bytes = Array(bytes.prefix(maximumLength + 1))
        if bytes.isEmpty { return .incomplete }
        if bytes[0] == v1Prefix[0] {
            guard startsLikeSignature(bytes, v1Prefix) else { return .invalid("the connection does not start with a PROXY header") }
            return bytes.count < v1Prefix.count ? .incomplete : parseV1(bytes)
        }
        guard startsLikeSignature(bytes, v2Signature) else { return .invalid("the connection does not start with a PROXY header") }
        return bytes.count < 16 ? .incomplete : parseV2(bytes)
    }

    /// Whether the bytes so far agree with `signature` (as far as either goes).
    private static func startsLikeSignature(_ bytes: [UInt8], _ signature: [UInt8]) -> Bool {
        for index in 0..<min(bytes.count, signature.count) where bytes[index] != signature[index] { return false }
        return true
    }

    // MARK: v1

    private static func parseV1(_ bytes: [UInt8]) -> Outcome {
        var end: Int?
        for index in 0..<min(bytes.count, v1MaximumLength) where bytes[index] == 0x0A {
            end = index
            break
        }
        guard let end else {
            return bytes.count >= v1MaximumLength ? .invalid("a v1 header longer than \(v1MaximumLength) bytes") : .incomplete
        }
        guard end > 0, bytes[end - 1] == 0x0D else { return .invalid("a v1 header not ended by CRLF") }
        let line = bytes[0..<(end - 1)]
        for byte in line where byte < 0x20 || byte > 0x7E { return .invalid("a v1 header with a control or non-ASCII byte") }
        let fields = line.split(separator: 0x20, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard fields.count >= 2 else { return .invalid("a v1 header without a protocol") }
        if fields[1] == "UNKNOWN" { return .header(.local, length: end + 1) }
        let family: Int32
        switch fields[1] {
        case "TCP4": family = AF_INET
        case "TCP6": family = AF_INET6
        default: return .invalid("a v1 header with protocol \"\(fields[1])\" (TCP4, TCP6 or UNKNOWN)")
        }
        guard fields.count == 6 else { return .invalid("a v1 header with \(fields.count) fields (6 expected)") }
        guard let source = address(fields[2], family: family), let destination = address(fields[3], family: family) else {
            return .invalid("a v1 header with an address that is not \(fields[1] == "TCP4" ? "IPv4" : "IPv6")")
        }
        guard let sourcePort = port(fields[4]), let destinationPort = port(fields[5]) else {
            return .invalid("a v1 header with a port that is not a number from 0 to 65535")
        }
        return .header(
            .proxied(source: .init(host: source, port: sourcePort), destination: .init(host: destination, port: destinationPort)),
            length: end + 1)
    }

    /// The address in canonical text, or nil when `text` is not one of `family`.
    private static func address(_ text: String, family: Int32) -> String? {
        if family == AF_INET {
            var value = in_addr()
            guard inet_pton(AF_INET, text, &value) == 1 else { return nil }
            return withUnsafeBytes(of: &value) { render(Array($0), family: AF_INET) }
        }
        var value = in6_addr()
        guard inet_pton(AF_INET6, text, &value) == 1 else { return nil }
        return withUnsafeBytes(of: &value) { render(Array($0), family: AF_INET6) }
    }

    /// A decimal port, 0...65535, at most 5 digits.
    private static func port(_ text: String) -> Int? {
        guard (1...5).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let value = Int(text), value <= 65535
        else { return nil }
        return value
    }

    // MARK: v2

    private static func parseV2(_ bytes: [UInt8]) -> Outcome {
        let versionCommand = bytes[12]
        guard versionCommand >> 4 == 2 else { return .invalid("a v2 header of version \(versionCommand >> 4)") }
        let command = versionCommand & 0x0F
        guard command <= 1 else { return .invalid("a v2 header with command \(command) (LOCAL or PROXY)") }
        let familyProtocol = bytes[13]
        let length = Int(bytes[14]) << 8 | Int(bytes[15])
        guard 16 + length <= maximumLength else {
            return .invalid("a v2 header of \(16 + length) bytes (at most \(maximumLength))")
        }
        guard bytes.count >= 16 + length else { return .incomplete }
        let total = 16 + length
        // LOCAL: the proxy's own connection; whatever addresses follow are ignored.
        if command == 0 { return .header(.local, length: total) }
        let body = bytes[16..<total]
        func field(_ offset: Int, _ count: Int) -> [UInt8] { Array(body[(16 + offset)..<(16 + offset + count)]) }
        func port(_ offset: Int) -> Int { Int(body[16 + offset]) << 8 | Int(body[16 + offset + 1]) }
        switch familyProtocol >> 4 {
        case 0:  // UNSPEC: nothing to say about the client
            return .header(.local, length: total)
        case 1:  // INET: 4 + 4 address bytes, 2 + 2 port bytes
            guard length >= 12 else { return .invalid("a v2 IPv4 header with \(length) bytes of addresses (12 expected)") }
            return .header(
                .proxied(
                    source: .init(host: render(field(0, 4), family: AF_INET), port: port(8)),
                    destination: .init(host: render(field(4, 4), family: AF_INET), port: port(10))),
                length: total)
        case 2:  // INET6: 16 + 16 address bytes, 2 + 2 port bytes
            guard length >= 36 else { return .invalid("a v2 IPv6 header with \(length) bytes of addresses (36 expected)") }
            return .header(
                .proxied(
                    source: .init(host: render(field(0, 16), family: AF_INET6), port: port(32)),
                    destination: .init(host: render(field(16, 16), family: AF_INET6), port: port(34))),
                length: total)
        case 3:  // UNIX: two 108-byte paths
            guard length >= 216 else { return .invalid("a v2 Unix header with \(length) bytes of addresses (216 expected)") }
            return .header(
                .proxied(source: .init(host: path(field(0, 108))), destination: .init(host: path(field(108, 108)))),
                length: total)
        default:
            return .invalid("a v2 header with address family \(familyProtocol >> 4)")
        }
    }

    /// A NUL-padded socket path.
    private static func path(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// A 4- or 16-byte address in network order, as text.
    private static func render(_ bytes: [UInt8], family: Int32) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &text, socklen_t(text.count)) != nil
        }
        guard ok else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
