import HTTPD
import HTTPDTLS
import HTTPDWebSocket
import Testing

/// WebSocket over a TLS listener (`wss://`): a TLS client (`TLSRelay`, trusting the fixture CA) does
/// the upgrade, and every frame both ways travels inside TLS records. (A client leaving over TLS is
/// `WebSocketTests.theHandlerSeesTheClientLeaveAndSendingThenThrows`, run over both transports.)
@Suite struct WebSocketOverTLSTests {
    @Test func theUpgradeAndEchoWorkOverTLS() async throws {
        let routes: [String: HTTPHandler] = [
            "/ws": { request, response in
                try await response.webSocket(request) { ws in
                    try await ws.send(text: "\(request.scheme) \(request.isSecure)")
                    for try await message in ws.messages { try await ws.send(message) }
                }
            }
        ]
        try await TestServer.with(transport: .tls, settings: testSettings(), routes: routes) { server in
            let (client, head) = try await WebSocketTestClient.open(port: server.port)
            #expect(head.contains("Sec-WebSocket-Accept: \(WebSocketTestClient.sampleAccept)"))
            #expect(try await client.readFrame()?.text == "https true")
            try await client.send(opcode: 0x1, Array("héllo".utf8))
            #expect(try await client.readFrame() == .init(fin: true, opcode: 0x1, payload: Array("héllo".utf8)))
            try await client.send(opcode: 0x2, [0, 1, 2, 255])
            #expect(try await client.readFrame() == .init(fin: true, opcode: 0x2, payload: [0, 1, 2, 255]))
            // Fragments with a ping between them; the pong comes first.
            try await client.send(opcode: 0x1, Array("frag".utf8), fin: false)
            try await client.send(opcode: 0x9, Array("between".utf8))
            try await client.send(opcode: 0x0, Array("mented".utf8), fin: true)
            #expect(try await client.readFrame() == .init(fin: true, opcode: 0xA, payload: Array("between".utf8)))
            #expect(try await client.readFrame() == .init(fin: true, opcode: 0x1, payload: Array("fragmented".utf8)))
            // A message larger than a TLS record (16 KiB) both ways: split into records and joined again.
            let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            try await client.send(opcode: 0x2, big)
            #expect(try await client.readFrame()?.payload == big)
            // Many messages back to back, in order.
            for index in 0..<100 { try await client.send(opcode: 0x1, Array("message \(index)".utf8)) }
            for index in 0..<100 { #expect(try await client.readFrame()?.text == "message \(index)") }
            // The closing handshake, then the server closes the connection.
            try await client.send(opcode: 0x8, WebSocketTestClient.closePayload(1000, "done"))
            #expect(try await client.readFrame() == .init(fin: true, opcode: 0x8, payload: WebSocketTestClient.closePayload(1000)))
            #expect(try await client.isClosedByServer())
        }
    }

    @Test func aRuleBrokenOverTLSClosesWithItsCode() async throws {
        try await TestServer.with(transport: .tls, settings: testSettings(), routes: ["/ws": echoHandler()]) { server in
            let (client, _) = try await WebSocketTestClient.open(port: server.port)
            try await client.send(WebSocketTestClient.frame(opcode: 0x1, Array("bare".utf8), masked: false))
            #expect(try await client.readCloseCode() == 1002)
            #expect(try await client.isClosedByServer())
        }
    }

    @Test func stoppingTheServerSaysGoingAwayOverTLS() async throws {
        let listener = try TestTransport.tls.listener("127.0.0.1:0")
        let server = try await HTTPServer.start(settings: testSettings(), listeners: [listener])
        try await server.register("/ws", handler: echoHandler())
        let relay = try await TLSRelay.start(to: server.port!)
        let (client, _) = try await WebSocketTestClient.open(port: relay.port)
        let stopped = Task { await server.stop(gracePeriod: .seconds(20)) }
        #expect(try await client.readCloseCode() == 1001)
        try await client.send(opcode: 0x8, WebSocketTestClient.closePayload(1001))
        #expect(try await client.isClosedByServer())
        await stopped.value
        await relay.stop()
    }
}
