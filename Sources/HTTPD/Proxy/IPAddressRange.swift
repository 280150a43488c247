/// A range of IP addresses in CIDR notation (`10.0.0.0/8`, `fd00::/8`), or one address (`127.0.0.1`,
/// `::1`), as a trusted-proxy list names them.
struct IPAddressRange: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the range (the bits past the prefix cleared).
    let network: IPAddressBits
    /// How many leading bits an address must share with `network`, counted on the 128-bit form.
    let prefixLength: Int
    /// The range as it was given.
    let description: String

    /// Reads `text`; throws `HTTPDError.invalidAddress` saying what is wrong with it.
    init(_ text: String) throws(HTTPDError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddressBits(parts[0]) else {
            throw .invalidAddress(text, reason: "a trusted proxy is an IPv4 or IPv6 address, optionally /prefix-length")
        }
        let familyBits = address.isIPv4 && !parts[0].contains(":") ? 32 : 128
        var length = familyBits
        if parts.count == 2 {
            guard let given = Int(parts[1]), parts[1].allSatisfy(\.isASCII), (0...familyBits).contains(given) else {
                throw .invalidAddress(text, reason: "the prefix length must be a number from 0 to \(familyBits)")
            }
            length = given
        }
        prefixLength = length + (128 - familyBits)
        network = address.masked(to: prefixLength)
        guard network == address else {
            throw .invalidAddress(text, reason: "bits are set past the /\(length) prefix (did you mean \(Self.text(of: network, family: familyBits))/\(length)?)")
        }
        description = text
    }

    /// Whether `address` is in the range.
    func contains(_ address: IPAddressBits) -> Bool {
        address.masked(to: prefixLength) == network
    }

    /// An address written back as text, for the error message's suggestion.
    private static func text(of address: IPAddressBits, family: Int) -> String {
        if family == 32 {
            let value = UInt32(truncatingIfNeeded: address.low)
            return "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
        }
        let groups = (0..<8).map { index -> String in
            let word = index < 4 ? address.high : address.low
            return String(word >> UInt64(48 - 16 * (index % 4)) & 0xffff, radix: 16)
        }
        return groups.joined(separator: ":")
    }
}
