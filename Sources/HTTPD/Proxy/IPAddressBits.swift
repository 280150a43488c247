#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IP address as 128 bits, for range checks: IPv6 as is, IPv4 as its IPv4-mapped IPv6 form
/// (`::ffff:a.b.c.d`), so one comparison serves both families.
struct IPAddressBits: Hashable, Sendable {
    /// The first 64 bits, most significant first.
    var high: UInt64
    /// The last 64 bits.
    var low: UInt64
    /// The address is IPv4 (written `a.b.c.d`, or IPv4-mapped IPv6).
    var isIPv4: Bool { high == 0 && low >> 32 == 0xffff }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Reads an address in text: `192.0.2.1`, `2001:db8::1`, `::ffff:192.0.2.1`; nil for anything else
    /// (a host name, a port, brackets, a zone).
    init?(_ text: some StringProtocol) {
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        let string = String(text)
        if string.utf8.contains(UInt8(ascii: ":")) {
            var address = in6_addr()
            guard inet_pton(AF_INET6, string, &address) == 1 else { return nil }
            self.init(ipv6: address)
        } else {
            var address = in_addr()
            guard inet_pton(AF_INET, string, &address) == 1 else { return nil }
            self.init(ipv4: address)
        }
    }

    /// An IPv4 address (in network order), mapped.
    init(ipv4 address: in_addr) {
        self.init(high: 0, low: 0xffff_0000_0000 | UInt64(UInt32(bigEndian: address.s_addr)))
    }

    /// An IPv6 address.
    init(ipv6 address: in6_addr) {
        var bytes = address
        let (high, low) = withUnsafeBytes(of: &bytes) { raw -> (UInt64, UInt64) in
            var high: UInt64 = 0
            var low: UInt64 = 0
            for index in 0..<8 { high = high << 8 | UInt64(raw[index]) }
            for index in 8..<16 { low = low << 8 | UInt64(raw[index]) }
            return (high, low)
        }
        self.init(high: high, low: low)
    }

    /// The address with every bit after the first `prefixLength` (0...128) cleared.
    func masked(to prefixLength: Int) -> IPAddressBits {
        IPAddressBits(high: high & Self.mask(prefixLength), low: low & Self.mask(prefixLength - 64))
    }

    /// The top `bits` bits of a 64-bit word set (none for 0 or less, all for 64 or more).
    private static func mask(_ bits: Int) -> UInt64 {
        if bits <= 0 { return 0 }
        if bits >= 64 { return .max }
        return ~(UInt64.max >> UInt64(bits))
    }
}
