import NIOHTTP1
import Testing

@testable import HTTPD

/// Trusted-proxy lists and the walk over forwarding headers, without sockets.
@Suite("Deployment: trusted proxies and forwarding headers")
struct TrustedProxiesTests {
    @Test("addresses and CIDR ranges, IPv4 and IPv6; IPv4-mapped IPv6 peers match IPv4 ranges")
    func ranges() throws {
        let trusted = try TrustedProxies(["127.0.0.1", "10.0.0.0/8", "fd00::/8", "::1", "192.168.1.128/25"])
        for address in ["127.0.0.1", "10.0.0.1", "10.255.255.255", "fd12::3", "::1", "::ffff:10.1.2.3", "192.168.1.200"] {
            #expect(trusted.contains(address), "\(address) not trusted")
        }
        for address in ["127.0.0.2", "11.0.0.1", "fe80::1", "::2", "192.168.1.127", "unknown", "", "10.0.0.1:80"] {
            #expect(!trusted.contains(address), "\(address) trusted")
        }
        #expect(try TrustedProxies(["0.0.0.0/0"]).contains("203.0.113.9"))
        #expect(try !TrustedProxies(["0.0.0.0/0"]).contains("2001:db8::1"))
        #expect(try TrustedProxies(["::/0"]).contains("2001:db8::1"))
    }

    @Test("a bad entry throws, naming it and saying what is wrong")
    func badEntries() {
        for entry in ["localhost", "10.0.0.0/33", "::/129", "10.0.0.1/8", "10.0.0.0/x", "10.0.0/8", "", "[::1]"] {
            #expect(throws: HTTPDError.self, "\(entry) accepted") { try TrustedProxies([entry]) }
        }
        do {
            _ = try TrustedProxies(["10.0.0.1/8"])
        } catch {
            #expect("\(error)".contains("10.0.0.1/8") && "\(error)".contains("10.0.0.0/8"))
        }
    }

    static func headers(_ pairs: [(String, String)]) -> HTTPHeaders {
        HTTPHeaders(pairs)
    }

    @Test("X-Forwarded-For: walked from the right, trusted hops skipped, the first untrusted one is the client")
    func xForwardedFor() throws {
        let trusted = try TrustedProxies(["10.0.0.0/8"])
        let fields = Self.headers([("X-Forwarded-For", "203.0.113.7, 198.51.100.1"), ("X-Forwarded-For", "10.0.0.5")])
        let finding = ForwardedHops(fields, kind: .xForwarded).walk(trusting: trusted)
        #expect(finding.client == "198.51.100.1")  // not the spoofable leftmost entry
        #expect(finding.clientPort == nil)
        // Every hop trusted: the leftmost.
        let all = ForwardedHops(Self.headers([("X-Forwarded-For", "10.1.1.1, 10.0.0.5")]), kind: .xForwarded).walk(trusting: trusted)
        #expect(all.client == "10.1.1.1")
        // Garbage ends the walk at the last trusted hop.
        let garbage = ForwardedHops(Self.headers([("X-Forwarded-For", "1.2.3.4, nonsense, 10.0.0.5")]), kind: .xForwarded)
            .walk(trusting: trusted)
        #expect(garbage.client == "10.0.0.5")
        // Ports and brackets are understood.
        let ported = ForwardedHops(Self.headers([("X-Forwarded-For", "[2001:db8::9]:4711")]), kind: .xForwarded).walk(trusting: trusted)
        #expect(ported.client == "2001:db8::9" && ported.clientPort == 4711)
    }

    @Test("X-Forwarded-Proto and -Host: per hop when the counts match, else the nearest proxy's value")
    func xForwardedProtoAndHost() throws {
        let trusted = try TrustedProxies(["10.0.0.0/8"])
        let single = ForwardedHops(
            Self.headers([("X-Forwarded-For", "203.0.113.7, 10.0.0.5"), ("X-Forwarded-Proto", "HTTPS"), ("X-Forwarded-Host", "shop.example")]),
            kind: .xForwarded
        ).walk(trusting: trusted)
        #expect(single == .init(client: "203.0.113.7", clientPort: nil, scheme: "https", host: "shop.example"))
        let perHop = ForwardedHops(
            Self.headers([("X-Forwarded-For", "203.0.113.7, 10.0.0.5"), ("X-Forwarded-Proto", "https, http")]), kind: .xForwarded
        ).walk(trusting: trusted)
        #expect(perHop.scheme == "https")
        let bad = ForwardedHops(
            Self.headers([("X-Forwarded-Proto", "ht tp"), ("X-Forwarded-Host", "a.example/evil")]), kind: .xForwarded
        ).walk(trusting: trusted)
        #expect(bad == .init())
    }

    @Test("Forwarded (RFC 7239): quoted nodes with ports, IPv6, proto and host of the client's element, unknown stops")
    func forwarded() throws {
        let trusted = try TrustedProxies(["10.0.0.0/8", "fd00::/8"])
        let fields = Self.headers([
            ("Forwarded", #"for=198.51.100.17;proto=http, for="[2001:db8:cafe::17]:4711";proto=https;host="shop.example:8443""#),
            ("Forwarded", #"For="[fd00::2]";by=10.0.0.1, for=10.0.0.3"#),
        ])
        let finding = ForwardedHops(fields, kind: .forwarded).walk(trusting: trusted)
        #expect(finding == .init(client: "2001:db8:cafe::17", clientPort: 4711, scheme: "https", host: "shop.example:8443"))
        let unknown = ForwardedHops(Self.headers([("Forwarded", "for=192.0.2.1, for=unknown;proto=https, for=10.0.0.3")]), kind: .forwarded)
            .walk(trusting: trusted)
        #expect(unknown == .init(client: "10.0.0.3", clientPort: nil, scheme: "https", host: nil))
        let obfuscated = ForwardedHops(Self.headers([("Forwarded", #"for="192.0.2.4:_port""#)]), kind: .forwarded).walk(trusting: trusted)
        #expect(obfuscated.client == "192.0.2.4" && obfuscated.clientPort == nil)
        // A comma or semicolon inside a quoted string does not split.
        #expect(ForwardedHops.split(#"for="a,b";x="c;d", for=e"#, at: ",").count == 2)
    }

    @Test("which headers are read: X-Forwarded-* by default, Forwarded when asked, either when asked")
    func headerChoice() throws {
        let fields = Self.headers([("Forwarded", "for=192.0.2.1"), ("X-Forwarded-For", "192.0.2.2")])
        let trusted = try TrustedProxies(["127.0.0.1"])
        #expect(ForwardedHops(fields, kind: .xForwarded).walk(trusting: trusted).client == "192.0.2.2")
        #expect(ForwardedHops(fields, kind: .forwarded).walk(trusting: trusted).client == "192.0.2.1")
        #expect(ForwardedHops(fields, kind: .either).walk(trusting: trusted).client == "192.0.2.1")
        #expect(ForwardedHops(Self.headers([("X-Forwarded-For", "192.0.2.2")]), kind: .either).walk(trusting: trusted).client == "192.0.2.2")
        #expect(ForwardedHops(Self.headers([("X-Forwarded-For", "192.0.2.2")]), kind: .forwarded).walk(trusting: trusted) == .init())
    }
}
