import HTTPD

/// What the deployment tests' servers answer at `/who`: how the request sees its client.
enum Who {
    /// `client=… port=… peer=… scheme=… host=…`.
    static let handler: HTTPHandler = { request, response in
        let text = "client=\(request.client) port=\(request.clientPort.map(String.init) ?? "-") peer=\(request.peerAddress) "
            + "scheme=\(request.scheme) host=\(request.host ?? "-")"
        try await response.write(status: 200, headers: [("Content-Type", "text/plain")], body: text)
    }

    /// Starts a server on 127.0.0.1 port 0 with `/who`, runs `body` with it, stops it.
    static func withServer(
        trustedProxies: TrustedProxies? = nil, proxyProtocol: ProxyProtocolMode = .off,
        settings: HTTPSettings = HTTPSettings(), addresses: [String] = ["127.0.0.1:0"],
        _ body: (HTTPServer) async throws -> Void
    ) async throws {
        let server = try await HTTPServer.start(
            settings: settings, trustedProxies: trustedProxies, proxyProtocol: proxyProtocol, addresses: addresses)
        try await server.register("/who", handler: handler)
        do {
            try await body(server)
            await server.stop()
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Sends `bytes` on a new connection to `port` and returns everything received until the server
    /// closes (the request should say `Connection: close`).
    static func exchange(port: Int, _ bytes: [UInt8]) async throws -> String {
        let socket = try await offPool { try RawSocket.connect(port: port) }
        socket.setReceiveTimeout(milliseconds: 10_000)
        let received = try await offPool { () -> [UInt8] in
            socket.send(bytes)
            return socket.receiveUntilClose()
        }
        socket.close()
        return String(decoding: received, as: UTF8.self)
    }

    /// A `GET /who` with `Connection: close` and `headers`.
    static func request(_ headers: [String] = []) -> [UInt8] {
        Array(("GET /who HTTP/1.1\r\nHost: direct.example\r\n" + headers.map { $0 + "\r\n" }.joined() + "Connection: close\r\n\r\n").utf8)
    }

    /// The body of a response (what follows the blank line).
    static func body(_ response: String) -> String {
        guard let range = response.range(of: "\r\n\r\n") else { return "" }
        return String(response[range.upperBound...])
    }
}
