import HTTPD
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// PROXY protocol listeners through real sockets: v1 and v2 give the original client, LOCAL keeps
/// the peer, anything else closes the connection; a listener without it answers a PROXY line with 400.
@Suite("Deployment: PROXY protocol listeners")
struct ProxyProtocolTests {
    static let signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]

    @Test("v1: the request's client is the header's source; the peer is the proxy")
    func v1() async throws {
        try await Who.withServer(proxyProtocol: .all) { server in
            let response = try await Who.exchange(
                port: server.port!, Array("PROXY TCP4 203.0.113.9 127.0.0.1 40000 80\r\n".utf8) + Who.request())
            #expect(Who.body(response) == "client=203.0.113.9 port=40000 peer=127.0.0.1 scheme=http host=direct.example")
        }
    }

    @Test("v2 over IPv6, sent in pieces: the header's source")
    func v2InPieces() async throws {
        try await Who.withServer(proxyProtocol: .all) { server in
            var addresses = [UInt8](repeating: 0, count: 36)
            addresses[0] = 0x20; addresses[1] = 0x01; addresses[2] = 0x0d; addresses[3] = 0xb8; addresses[15] = 5
            addresses[31] = 1
            addresses[32] = 0x12; addresses[33] = 0x34; addresses[35] = 80
            let header = Self.signature + [0x21, 0x21, 0, 36] + addresses
            let socket = try await offPool { try RawSocket.connect(port: server.port!) }
            socket.setReceiveTimeout(milliseconds: 10_000)
            let received = try await offPool { () -> [UInt8] in
                for byte in header.prefix(20) {
                    socket.send([byte])
                    usleep(2000)
                }
                socket.send(Array(header.dropFirst(20)) + Who.request())
                return socket.receiveUntilClose()
            }
            #expect(Who.body(String(decoding: received, as: UTF8.self)) == "client=2001:db8::5 port=4660 peer=127.0.0.1 scheme=http host=direct.example")
        }
    }

    @Test("a keep-alive connection keeps the header's client for every request")
    func keepAlive() async throws {
        try await Who.withServer(proxyProtocol: .all) { server in
            let socket = try await offPool { try RawSocket.connect(port: server.port!) }
            socket.setReceiveTimeout(milliseconds: 10_000)
            let twice = Array("GET /who HTTP/1.1\r\nHost: a\r\n\r\n".utf8) + Who.request()
            let received = try await offPool { () -> String in
                socket.send(Array("PROXY TCP4 192.0.2.77 127.0.0.1 1234 80\r\n".utf8) + twice)
                return String(decoding: socket.receiveUntilClose(), as: UTF8.self)
            }
            #expect(received.components(separatedBy: "client=192.0.2.77 port=1234 peer=127.0.0.1").count == 3)
        }
    }

    @Test("v2 LOCAL and v1 UNKNOWN: the connection's own address stands")
    func local() async throws {
        try await Who.withServer(proxyProtocol: .all) { server in
            let local = Self.signature + [0x20, 0x00, 0, 0]
            let body = Who.body(try await Who.exchange(port: server.port!, local + Who.request()))
            #expect(body.hasPrefix("client=127.0.0.1 port=") && body.hasSuffix("peer=127.0.0.1 scheme=http host=direct.example"))
            let unknown = Who.body(try await Who.exchange(port: server.port!, Array("PROXY UNKNOWN\r\n".utf8) + Who.request()))
            #expect(unknown.hasPrefix("client=127.0.0.1 port="))
        }
    }

    @Test("a missing or malformed header closes the connection without an answer")
    func refused() async throws {
        try await Who.withServer(proxyProtocol: .all) { server in
            for bad in [
                Who.request(),
                Array("PROXY TCP4 203.0.113.9 127.0.0.1 99999 80\r\n".utf8) + Who.request(),
                Self.signature + [0x21, 0x11, 0x20, 0x00],  // 8 KiB of addresses announced
                Array(("PROXY TCP4 " + String(repeating: "9", count: 120)).utf8),
            ] {
                let answer = try await Who.exchange(port: server.port!, bad)
                #expect(answer == "")
            }
            #expect(await eventually(within: .seconds(5)) { server.connectionCount == 0 })
        }
    }

    @Test("a connection that sends no header is closed after the request timeout")
    func silent() async throws {
        let settings = testSettings { $0.requestTimeout = .milliseconds(500) }
        try await Who.withServer(proxyProtocol: .all, settings: settings) { server in
            let socket = try await offPool { try RawSocket.connect(port: server.port!) }
            socket.setReceiveTimeout(milliseconds: 10_000)
            let started = ContinuousClock.now
            let received = try await offPool { () -> [UInt8] in
                socket.send(Array("PROXY TCP4 1.2.3.4".utf8))  // a start, never finished
                return socket.receiveUntilClose()
            }
            #expect(received.isEmpty)
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test("only the listeners named expect it; on the others a PROXY line is a bad request")
    func perListener() async throws {
        try await Who.withServer(proxyProtocol: .only(["127.0.0.1:0"]), addresses: ["127.0.0.1:0", "[::1]:0"]) { server in
            let proxied = Array("PROXY TCP4 203.0.113.9 127.0.0.1 40000 80\r\n".utf8) + Who.request()
            let proxiedBody = Who.body(try await Who.exchange(port: server.port!, proxied))
            #expect(proxiedBody.hasPrefix("client=203.0.113.9 "))
            let other = server.addresses[1]
            let port = Int(other[other.index(after: other.lastIndex(of: ":")!)...])!
            let response = try await offPool { () -> String in
                let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(fd) }
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = in_port_t(UInt16(port).bigEndian)
                address.sin6_addr = in6addr_loopback
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
                }
                _ = proxied.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                return String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self)
            }
            #expect(response.hasPrefix("HTTP/1.1 400"))
        }
    }

    @Test("without the option, a PROXY line is a bad request")
    func notEnabled() async throws {
        try await Who.withServer { server in
            let response = try await Who.exchange(
                port: server.port!, Array("PROXY TCP4 203.0.113.9 127.0.0.1 40000 80\r\n".utf8) + Who.request())
            #expect(response.hasPrefix("HTTP/1.1 400"))
        }
    }

    @Test("naming a listener that is not among the addresses throws")
    func badListener() async throws {
        await #expect(throws: HTTPDError.self) {
            _ = try await HTTPServer.start(proxyProtocol: .only(["127.0.0.1:9"]), addresses: ["127.0.0.1:0"])
        }
    }
}
