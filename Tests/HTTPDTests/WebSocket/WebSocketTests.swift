import HTTPD
import HTTPDWebSocket
import Testing

/// An echo handler, with `options`.
func echoHandler(_ options: WebSocketOptions = WebSocketOptions()) -> HTTPHandler {
    { request, response in
        try await response.webSocket(request, options: options) { ws in
            for try await message in ws.messages { try await ws.send(message) }
        }
    }
}

/// WebSocket handshakes and messages through a real socket.
@Suite struct WebSocketTests {
    @Test func handshakeAnswersWithTheAcceptValueAndMessagesEcho() async throws {
        try await TestServer.with(settings: testSettings(), routes: ["/ws": echoHandler()]) { server in
            let (client, head) = try await WebSocketTestClient.open(port: server.port)
            #expect(head.contains("Sec-WebSocket-Accept: \(WebSocketTestClient.sampleAccept)"))
            #expect(head.lowercased().contains("upgrade: websocket"))
            #expect(head.lowercased().contains("connection: upgrade"))
            try await client.send(opcode: 0x1, Array("héllo".utf8))
            #expect(try await client.readFrame() == .init(fin: true, opcode: 0x1, payload: Array("héllo".utf8)))
            try await client.send(opcode: 0x2, [0, 1, 2, 255])
            #expect(try await client.readFrame() == .init(fin: true, opcode: 0x2, payload: [0, 1, 2, 255]))
            // Fragments, with a ping between them, make one message.
            try await client.send(opcode: 0x1, Array("frag".utf8), fin: false)
            try await client.send(opcode: 0x9, Array("between".utf8))
            try await client.send(opcode: 0x0, Array("mented".utf8), fin: true)
            #expect(try await client.readFrame() == .init(fin: true, opcode: 0xA, payload: Array("between".utf8)))
            #expect(try await client.readFrame() == .init(fin: true, opcode: 0x1, payload: Array("fragmented".utf8)))
            // Large messages (16-bit and 64-bit lengths) come back whole.
            let big = [UInt8](repeating: 7, count: 70_000)
            try await client.send(opcode: 0x2, big)
            #expect(try await client.readFrame()?.payload == big)
        }
    }

    @Test func framesSplitAcrossReadsOrPackedIntoOneAllArrive() async throws {
        try await TestServer.with(settings: testSettings(), routes: ["/ws": echoHandler()]) { server in
            let (client, _) = try await WebSocketTestClient.open(port: server.port)
            // One frame a few bytes at a time (the server keeps the start until the rest arrives).
            let frame = WebSocketTestClient.frame(opcode: 0x1, Array("in pieces".utf8))
            for start in stride(from: 0, to: frame.count, by: 3) {
                try await client.send(Array(frame[start..<min(start + 3, frame.count)]))
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await client.readFrame() == .init(fin: true, opcode: 0x1, payload: Array("in pieces".utf8)))
            // Three frames and the start of a fourth in one write, then the fourth's rest.
            let fourth = WebSocketTestClient.frame(opcode: 0x2, [4, 4, 4, 4])
            try await client.send(
                ["one", "two", "three"].flatMap { WebSocketTestClient.frame(opcode: 0x1, Array($0.utf8)) } + fourth[..<3])
            for text in ["one", "two", "three"] {
                #expect(try await client.readFrame() == .init(fin: true, opcode: 0x1, payload: Array(text.utf8)))
            }
            try await client.send(Array(fourth[3...]))
            #expect(try await client.readFrame() == .init(fin: true, opcode: 0x2, payload: [4, 4, 4, 4]))
        }
    }

    @Test func closeHandshakeEchoesTheCodeThenClosesTheSocket() async throws {
        let ended = Gate()
        let routes: [String: HTTPHandler] = [
            "/ws": { request, response in
                try await response.webSocket(request) { ws in
                    for try await message in ws.messages { try await ws.send(message) }
                }
                ended.open()
            }
        ]
        try await TestServer.with(settings: testSettings(), routes: routes) { server in
            let (client, _) = try await WebSocketTestClient.open(port: server.port)
            try await client.send(opcode: 0x8, WebSocketTestClient.closePayload(4001, "bye"))
            #expect(try await client.readFrame() == .init(fin: true, opcode: 0x8, payload: WebSocketTestClient.closePayload(4001)))
            #expect(try await client.isClosedByServer())
            await ended.wait()  // the messages ended and the handler returned
        }
    }

    @Test func handshakeProblemsGetTheirStatus() async throws {
        let options = WebSocketOptions(
            acceptsOrigin: { $0 != "https://evil.example" }, chooseSubprotocol: { $0.contains("chat.v2") ? "chat.v2" : nil })
        try await TestServer.with(settings: testSettings(), routes: ["/ws": echoHandler(options)]) { server in
            func status(_ request: String) async throws -> RawResponse? {
                let client = try await RawClient.connect(port: server.port, sending: request)
                return try await client.readResponse()
            }
            let key = WebSocketTestClient.sampleKey
            let plain = try await status("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(plain?.status == 400)
            let noConnection = try await status(
                "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n")
            #expect(noConnection?.status == 400)
            let post = try await status(
                "POST /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\n"
                    + "Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n")
            #expect(post?.status == 400)
            let http10 = try await status(
                "GET /ws HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n")
            #expect(http10?.status == 400)
            for badKey in ["short", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZR==", "dGhlIHNhbXBsZSBub25j!Q=="] {
                let response = try await status(
                    "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(badKey)\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n")
                #expect(response?.status == 400, "key \(badKey)")
            }
            let version = try await status(
                "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
                    + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 8\r\n\r\n")
            #expect(version?.status == 426)
            #expect(version?.header("Sec-WebSocket-Version") == "13")
            let origin = try await status(WebSocketTestClient.handshake(extra: "Origin: https://evil.example\r\n"))
            #expect(origin?.status == 403)

            let (_, head) = try await WebSocketTestClient.open(
                port: server.port, extra: "Origin: https://good.example\r\nSec-WebSocket-Protocol: chat.v1, chat.v2\r\n")
            #expect(head.contains("Sec-WebSocket-Protocol: chat.v2"))
            let (_, noProtocol) = try await WebSocketTestClient.open(port: server.port, extra: "Sec-WebSocket-Protocol: other\r\n")
            #expect(!noProtocol.contains("Sec-WebSocket-Protocol"))
        }
    }

    @Test func aHandlerThatDoesNotUpgradeStillAnswersPlainHTTP() async throws {
        let routes: [String: HTTPHandler] = [
            "/plain": { _, response in try await response.write(status: 200, body: "plain\n") }
        ]
        try await TestServer.with(settings: testSettings(), routes: routes) { server in
            let client = try await RawClient.connect(port: server.port, sending: WebSocketTestClient.handshake("/plain"))
            let response = try await client.readResponse()
            #expect(response?.status == 200)
            #expect(response?.text == "plain\n")
        }
    }

    /// Over TLS the relay closes its TLS connection (close_notify) when the client's socket closes.
    @Test(arguments: [TestTransport.plain, .tls])
    func theHandlerSeesTheClientLeaveAndSendingThenThrows(transport: TestTransport) async throws {
        let outcome = Locked<(any Error)?>(nil)
        let finished = Gate()
        let routes: [String: HTTPHandler] = [
            "/ws": { request, response in
                try await response.webSocket(request) { ws in
                    for try await _ in ws.messages {}
                    do {
                        try await ws.send(text: "too late")
                    } catch {
                        outcome.set(error)
                    }
                }
                finished.open()
            }
        ]
        try await TestServer.with(transport: transport, settings: testSettings(), routes: routes) { server in
            let (client, _) = try await WebSocketTestClient.open(port: server.port)
            client.socket.close()
            await finished.wait()
            #expect(outcome.get() as? HTTPDError == .connectionClosed)
        }
    }

    @Test func aClientThatReadsNothingIsDroppedAfterTheSendTimeout() async throws {
        let outcome = Locked<(any Error)?>(nil)
        let finished = Gate()
        let options = WebSocketOptions(pingInterval: nil, sendTimeout: .milliseconds(500))
        let routes: [String: HTTPHandler] = [
            "/ws": { request, response in
                try await response.webSocket(request, options: options) { ws in
                    let piece = [UInt8](repeating: 1, count: 1 << 16)
                    do {
                        for _ in 0..<1_000_000 { try await ws.send(binary: piece) }  // ~64 GB: only backpressure stops it
                    } catch {
                        outcome.set(error)
                    }
                }
                finished.open()
            }
        ]
        try await TestServer.with(settings: testSettings(), routes: routes) { server in
            let (client, _) = try await WebSocketTestClient.open(port: server.port)
            await finished.wait()
            #expect(outcome.get() as? HTTPDError == .connectionClosed)
            withExtendedLifetime(client) {}
        }
    }
}
