import HTTPD
import NIOCore
import NIOHTTP1
import NIOWebSocket

extension HTTPResponse {
    /// Upgrades `request` to a WebSocket and runs `body` with it; when `body` returns, the server closes
    /// the connection (1000, or 1011 when `body` threw) and waits for the client's close at most the
    /// close timeout.
    ///
    /// ```swift
    /// try await response.webSocket(request) { ws in
    ///     for try await message in ws.messages { try await ws.send(message) }
    /// }
    /// ```
    ///
    /// A request that is not a valid handshake is answered here, and `body` never runs: 400 (not an
    /// HTTP/1.1 `GET`, no `Upgrade: websocket`, no `Connection: upgrade`, a `Sec-WebSocket-Key` that is not
    /// 16 bytes in base64, a body), 426 with `Sec-WebSocket-Version: 13` for another version, 403 for an
    /// origin `options.acceptsOrigin` refuses.
    ///
    /// `body` runs where the handler runs (`nonisolated(nonsending)`, as the handler itself): on the
    /// connection's event loop, so a message goes from the socket to `body` and back with no hop.
    nonisolated(nonsending) public func webSocket(
        _ request: HTTPRequest, options: WebSocketOptions = WebSocketOptions(),
        _ body: nonisolated(nonsending) (WebSocket) async throws -> Void
    ) async throws {
        let subprotocol: String?
        switch WebSocketHandshake.check(
            method: request.method, proto: request.proto, values: request.headerValues, options: options) {
        case .reject(let status, let headers, let reason):
            try await write(status: status, headers: headers.map { ($0.name, $0.value) }, body: reason + "\n")
            return
        case .accept(let picked):
            subprotocol = picked
        }
        let sendTimeout = options.sendTimeout ?? HTTPServer.current?.settings.responseTimeout ?? .seconds(120)
        let (connection, channel) = try await switchProtocols(
            responseHeaders: { channel in
                Self.handshakeHeaders(for: request, subprotocol: subprotocol, channel: channel)
            },
            install: { channel in
                let pipeline = channel.pipeline.syncOperations
                try pipeline.addHandler(WebSocketFrameEncoder())
                try pipeline.addHandler(WebSocketFrameReader(maxFrameSize: min(options.maxMessageSize, Int(UInt32.max))))
                let connection = WebSocketProtocolHandler(
                    options: options, sendTimeout: sendTimeout, eventLoop: channel.eventLoop)
                try pipeline.addHandler(connection)
                return (connection, channel)
            })
        let ws = WebSocket(request: request, subprotocol: subprotocol, connection: connection, channel: channel)
        do {
            try await body(ws)
        } catch {
            await ws.close(.internalError)
            if case .connectionClosed? = error as? HTTPDError { return }  // the client left: not the handler's fault
            throw error
        }
        await ws.close(.normalClosure)
    }

    /// The `101`'s headers: `Upgrade`, `Sec-WebSocket-Accept` (computed by NIOWebSocket's upgrader), and
    /// `Sec-WebSocket-Protocol` when one was picked.
    private static func handshakeHeaders(
        for request: HTTPRequest, subprotocol: String?, channel: any Channel
    ) -> EventLoopFuture<[(name: String, value: String)]> {
        var extra = HTTPHeaders()
        if let subprotocol { extra.add(name: "Sec-WebSocket-Protocol", value: subprotocol) }
        let head = HTTPRequestHead(
            version: .http1_1, method: .GET, uri: request.url,
            headers: HTTPHeaders(request.headers.map { ($0.name, $0.value) }))
        let upgrader = NIOWebSocketServerUpgrader(
            automaticErrorHandling: false,
            shouldUpgrade: { [extra] channel, _ in channel.eventLoop.makeSucceededFuture(extra) },
            upgradePipelineHandler: { channel, _ in channel.eventLoop.makeSucceededVoidFuture() })
        return upgrader.buildUpgradeResponse(channel: channel, upgradeRequest: head, initialResponseHeaders: HTTPHeaders())
            .map { headers in headers.map { (name: $0.name, value: $0.value) } }
    }
}
