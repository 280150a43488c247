import HTTPD
import Testing

/// `request.client`, `scheme` and `host` behind trusted proxies, through real sockets: forwarding
/// headers count only from a trusted peer.
@Suite("Deployment: the client behind trusted proxies")
struct ForwardedClientTests {
    @Test("from a trusted peer, X-Forwarded-For/-Proto/-Host name the original client, scheme and host")
    func trustedXForwarded() async throws {
        try await Who.withServer(trustedProxies: try TrustedProxies(["127.0.0.1", "10.0.0.0/8"])) { server in
            let response = try await Who.exchange(port: server.port!, Who.request([
                "X-Forwarded-For: 203.0.113.9, 198.51.100.4, 10.1.2.3",
                "X-Forwarded-Proto: https", "X-Forwarded-Host: shop.example",
            ]))
            #expect(Who.body(response) == "client=198.51.100.4 port=- peer=127.0.0.1 scheme=https host=shop.example")
        }
    }

    @Test("from a trusted peer, Forwarded names them when the server reads Forwarded")
    func trustedForwarded() async throws {
        try await Who.withServer(trustedProxies: try TrustedProxies(["127.0.0.0/8", "::1"], headers: .forwarded)) { server in
            let response = try await Who.exchange(port: server.port!, Who.request([
                #"Forwarded: for="[2001:db8::7]:4711";proto=https;host=a.example"#,
                "X-Forwarded-For: 192.0.2.1",
            ]))
            #expect(Who.body(response) == "client=2001:db8::7 port=4711 peer=127.0.0.1 scheme=https host=a.example")
        }
    }

    @Test("from an untrusted peer the headers change nothing, and stay readable as headers")
    func untrusted() async throws {
        let headerSeen = Locked<String?>(nil)
        try await Who.withServer(trustedProxies: try TrustedProxies(["10.0.0.0/8"])) { server in
            try await server.register("/header") { request, response in
                headerSeen.set(request.header("X-Forwarded-For"))
                try await response.write(status: 200, body: "")
            }
            let response = try await Who.exchange(port: server.port!, Who.request([
                "X-Forwarded-For: 203.0.113.9", "X-Forwarded-Proto: https", "X-Forwarded-Host: evil.example",
            ]))
            #expect(Who.body(response).hasPrefix("client=127.0.0.1 port="))
            #expect(Who.body(response).hasSuffix("peer=127.0.0.1 scheme=http host=direct.example"))
            _ = try await Who.exchange(port: server.port!, Array("GET /header HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 203.0.113.9\r\nConnection: close\r\n\r\n".utf8))
            #expect(headerSeen.get() == "203.0.113.9")
        }
    }

    @Test("without trusted proxies, nothing is read (and the client's port is the socket's)")
    func noProxies() async throws {
        try await Who.withServer { server in
            let response = try await Who.exchange(port: server.port!, Who.request(["X-Forwarded-For: 203.0.113.9", "Forwarded: for=192.0.2.1"]))
            let body = Who.body(response)
            #expect(body.hasPrefix("client=127.0.0.1 port=") && !body.contains("port=-"))
            #expect(body.hasSuffix("peer=127.0.0.1 scheme=http host=direct.example"))
        }
    }

    @Test("a request through a trusted peer without forwarding headers is the peer's")
    func trustedWithoutHeaders() async throws {
        try await Who.withServer(trustedProxies: try TrustedProxies(["127.0.0.1"])) { server in
            let body = Who.body(try await Who.exchange(port: server.port!, Who.request()))
            #expect(body.hasPrefix("client=127.0.0.1 port=") && body.hasSuffix("peer=127.0.0.1 scheme=http host=direct.example"))
        }
    }

    @Test("PROXY header and trusted proxies together: the header's source is the peer whose trust decides")
    func proxyProtocolThenHeaders() async throws {
        try await Who.withServer(trustedProxies: try TrustedProxies(["10.0.0.0/8"]), proxyProtocol: .all) { server in
            let viaProxy = Array("PROXY TCP4 10.0.0.7 127.0.0.1 5000 80\r\n".utf8) + Who.request(["X-Forwarded-For: 198.51.100.3"])
            let viaProxyBody = Who.body(try await Who.exchange(port: server.port!, viaProxy))
            #expect(viaProxyBody == "client=198.51.100.3 port=- peer=127.0.0.1 scheme=http host=direct.example")
            let direct = Array("PROXY TCP4 192.0.2.8 127.0.0.1 5000 80\r\n".utf8) + Who.request(["X-Forwarded-For: 198.51.100.3"])
            let directBody = Who.body(try await Who.exchange(port: server.port!, direct))
            #expect(directBody == "client=192.0.2.8 port=5000 peer=127.0.0.1 scheme=http host=direct.example")
        }
    }
}
