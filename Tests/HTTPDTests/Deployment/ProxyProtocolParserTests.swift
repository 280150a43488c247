import Testing

@testable import HTTPD

/// The PROXY protocol parser on bytes alone, no sockets: every shape of v1 and v2 header, partial
/// input, and what it refuses.
@Suite("Deployment: PROXY header parser")
struct ProxyProtocolParserTests {
    static let signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]

    /// A v2 header: `command` (0 LOCAL, 1 PROXY), `family` byte, then `body`.
    static func v2(command: UInt8 = 1, family: UInt8, body: [UInt8]) -> [UInt8] {
        signature + [0x20 | command, family, UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
    }

    static func parse(_ text: String) -> ProxyProtocolParser.Outcome {
        ProxyProtocolParser.parse(Array(text.utf8))
    }

    static func isInvalid(_ outcome: ProxyProtocolParser.Outcome) -> Bool {
        if case .invalid = outcome { return true }
        return false
    }

    @Test("v1 TCP4 and TCP6: source and destination, and the header's length")
    func v1() {
        let line = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"
        #expect(Self.parse(line + "GET / HTTP/1.1\r\n") == .header(
            .proxied(source: .init(host: "192.0.2.1", port: 56324), destination: .init(host: "198.51.100.2", port: 443)),
            length: line.utf8.count))
        #expect(Self.parse("PROXY TCP6 2001:db8:0::1 ::1 1 65535\r\n") == .header(
            .proxied(source: .init(host: "2001:db8::1", port: 1), destination: .init(host: "::1", port: 65535)), length: 38))
    }

    @Test("v1 UNKNOWN is the proxy's own connection, whatever follows it on the line")
    func v1Unknown() {
        #expect(Self.parse("PROXY UNKNOWN\r\n") == .header(.local, length: 15))
        #expect(Self.parse("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n") == .header(.local, length: 35))
    }

    @Test("v1 in pieces: incomplete until the CRLF")
    func v1Partial() {
        let line = Array("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n".utf8)
        for cut in 1..<line.count {
            #expect(ProxyProtocolParser.parse(line[..<cut]) == .incomplete, "cut at \(cut)")
        }
    }

    @Test("v1 refused: bad family, wrong field count, bad address or port, bare LF, control bytes, too long")
    func v1Invalid() {
        for bad in [
            "PROXY UDP4 192.0.2.1 192.0.2.2 1 2\r\n",
            "PROXY TCP4 192.0.2.1 192.0.2.2 1\r\n",
            "PROXY TCP4 192.0.2.1  192.0.2.2 1 2\r\n",
            "PROXY TCP4 ::1 192.0.2.2 1 2\r\n",
            "PROXY TCP6 192.0.2.1 ::1 1 2\r\n",
            "PROXY TCP4 192.0.2.256 192.0.2.2 1 2\r\n",
            "PROXY TCP4 192.0.2.1 192.0.2.2 65536 2\r\n",
            "PROXY TCP4 192.0.2.1 192.0.2.2 -1 2\r\n",
            "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\n",
            "PROXY TCP4 192.0.2.1\t192.0.2.2 1 2\r\n",
            "PROXY TCP4 " + String(repeating: "1", count: 100) + "\r\n",
        ] {
            #expect(Self.isInvalid(Self.parse(bad)), "accepted \(bad.debugDescription)")
        }
        // No CRLF within 107 bytes: refused without waiting for more.
        #expect(Self.isInvalid(Self.parse("PROXY TCP4 " + String(repeating: "1", count: 200))))
    }

    @Test("anything but a PROXY header is refused from its first differing byte")
    func notAHeader() {
        #expect(Self.isInvalid(Self.parse("GET / HTTP/1.1\r\n")))
        #expect(Self.isInvalid(Self.parse("PROXX")))
        #expect(Self.isInvalid(ProxyProtocolParser.parse([0x0D, 0x0A, 0x0D, 0x0A, 0x01])))
        #expect(Self.parse("PRO") == .incomplete)
        #expect(ProxyProtocolParser.parse([UInt8]()) == .incomplete)
    }

    @Test("v2 IPv4 and IPv6 with TLVs after the addresses, which are skipped")
    func v2() {
        let ipv4: [UInt8] = [192, 0, 2, 1, 198, 51, 100, 2, 0xDC, 0x04, 0x01, 0xBB]
        let tlv: [UInt8] = [0x04, 0x00, 0x03, 0x61, 0x62, 0x63]  // a NOOP TLV with 3 bytes
        let header = Self.v2(family: 0x11, body: ipv4 + tlv)
        #expect(ProxyProtocolParser.parse(header + Array("GET /".utf8)) == .header(
            .proxied(source: .init(host: "192.0.2.1", port: 56324), destination: .init(host: "198.51.100.2", port: 443)),
            length: header.count))
        var ipv6 = [UInt8](repeating: 0, count: 36)
        ipv6[0] = 0x20; ipv6[1] = 0x01; ipv6[2] = 0x0d; ipv6[3] = 0xb8; ipv6[15] = 1  // 2001:db8::1
        ipv6[31] = 1  // ::1
        ipv6[32] = 0x30; ipv6[33] = 0x39; ipv6[34] = 0x00; ipv6[35] = 0x50
        #expect(ProxyProtocolParser.parse(Self.v2(family: 0x21, body: ipv6)) == .header(
            .proxied(source: .init(host: "2001:db8::1", port: 12345), destination: .init(host: "::1", port: 80)), length: 52))
    }

    @Test("v2 LOCAL and UNSPEC leave the connection's own addresses; a Unix source is its path")
    func v2LocalAndUnix() {
        #expect(ProxyProtocolParser.parse(Self.v2(command: 0, family: 0x00, body: [])) == .header(.local, length: 16))
        #expect(ProxyProtocolParser.parse(Self.v2(command: 0, family: 0x11, body: [UInt8](repeating: 9, count: 12))) == .header(.local, length: 28))
        #expect(ProxyProtocolParser.parse(Self.v2(family: 0x00, body: [])) == .header(.local, length: 16))
        var unix = [UInt8](repeating: 0, count: 216)
        for (index, byte) in "/run/a.sock".utf8.enumerated() { unix[index] = byte }
        #expect(ProxyProtocolParser.parse(Self.v2(family: 0x31, body: unix)) == .header(
            .proxied(source: .init(host: "/run/a.sock"), destination: .init(host: "")), length: 232))
    }

    @Test("v2 in pieces: incomplete until its declared length has arrived")
    func v2Partial() {
        let header = Self.v2(family: 0x11, body: [127, 0, 0, 9, 127, 0, 0, 1, 0, 1, 0, 2])
        for cut in 1..<header.count {
            #expect(ProxyProtocolParser.parse(header[..<cut]) == .incomplete, "cut at \(cut)")
        }
    }

    @Test("v2 refused: wrong version, unknown command or family, addresses shorter than the family needs, over the size bound")
    func v2Invalid() {
        var wrongVersion = Self.v2(family: 0x11, body: [UInt8](repeating: 1, count: 12))
        wrongVersion[12] = 0x11
        #expect(Self.isInvalid(ProxyProtocolParser.parse(wrongVersion)))
        var unknownCommand = wrongVersion
        unknownCommand[12] = 0x22
        #expect(Self.isInvalid(ProxyProtocolParser.parse(unknownCommand)))
        #expect(Self.isInvalid(ProxyProtocolParser.parse(Self.v2(family: 0x41, body: [UInt8](repeating: 1, count: 12)))))
        #expect(Self.isInvalid(ProxyProtocolParser.parse(Self.v2(family: 0x11, body: [UInt8](repeating: 1, count: 8)))))
        #expect(Self.isInvalid(ProxyProtocolParser.parse(Self.v2(family: 0x21, body: [UInt8](repeating: 1, count: 12)))))
        // The length says 5000 bytes: refused at once, before they come.
        #expect(Self.isInvalid(ProxyProtocolParser.parse(Self.signature + [0x21, 0x11, 0x13, 0x88])))
        let largest = Self.v2(family: 0x11, body: [UInt8](repeating: 1, count: ProxyProtocolParser.maximumLength - 16))
        #expect(!Self.isInvalid(ProxyProtocolParser.parse(largest)))
    }
}
