import HTTPD
import HTTPDWebSocket
import Testing

/// RFC 6455's rules, each with raw frames through a real socket against an echo handler.
@Suite struct WebSocketRuleTests {
    /// Opens an echo WebSocket (maximum message 1000 bytes), sends `frames`, and returns the close code
    /// the server sent and whether it then closed the socket.
    func closeCode(after frames: [[UInt8]], options: WebSocketOptions = WebSocketOptions(maxMessageSize: 1000)) async throws
        -> (code: UInt16?, closed: Bool)
    {
        var result: (UInt16?, Bool) = (nil, false)
        try await TestServer.with(settings: testSettings(), routes: ["/ws": echoHandler(options)]) { server in
            let (client, _) = try await WebSocketTestClient.open(port: server.port)
            for frame in frames { try await client.send(frame) }
            let code = try await client.readCloseCode()
            result = (code, try await client.isClosedByServer())
        }
        return result
    }

    typealias Frame = WebSocketTestClient

    @Test func anUnmaskedClientFrameIsAProtocolError() async throws {
        let outcome = try await closeCode(after: [Frame.frame(opcode: 0x1, Array("hi".utf8), masked: false)])
        #expect(outcome.code == 1002)
        #expect(outcome.closed)
    }

    @Test func reservedBitsAreAProtocolError() async throws {
        for rsv: UInt8 in [0b100, 0b010, 0b001] {
            let outcome = try await closeCode(after: [Frame.frame(opcode: 0x1, Array("hi".utf8), rsv: rsv)])
            #expect(outcome.code == 1002, "rsv \(rsv)")
            #expect(outcome.closed)
        }
    }

    @Test func reservedOpcodesAreAProtocolError() async throws {
        for opcode: UInt8 in [0x3, 0x7, 0xB, 0xF] {
            let outcome = try await closeCode(after: [Frame.frame(opcode: opcode, [1])])
            #expect(outcome.code == 1002, "opcode \(opcode)")
        }
    }

    @Test func controlFramesOver125BytesOrFragmentedAreProtocolErrors() async throws {
        let long = try await closeCode(after: [Frame.frame(opcode: 0x9, [UInt8](repeating: 1, count: 126))])
        #expect(long.code == 1002)
        #expect(long.closed)
        let fragmented = try await closeCode(after: [Frame.frame(opcode: 0x9, [1], fin: false)])
        #expect(fragmented.code == 1002)
    }

    @Test func aContinuationWithoutAMessageOrAMessageInsideAMessageIsAProtocolError() async throws {
        let orphan = try await closeCode(after: [Frame.frame(opcode: 0x0, [1])])
        #expect(orphan.code == 1002)
        let nested = try await closeCode(after: [Frame.frame(opcode: 0x1, [65], fin: false), Frame.frame(opcode: 0x1, [66])])
        #expect(nested.code == 1002)
    }

    @Test func textThatIsNotUTF8IsInvalidPayload() async throws {
        let whole = try await closeCode(after: [Frame.frame(opcode: 0x1, [0x68, 0xFF, 0x69])])
        #expect(whole.code == 1007)
        #expect(whole.closed)
        // "é" is C3 A9: the first fragment ends inside it (fine so far), the second does not finish it.
        let split = try await closeCode(after: [
            Frame.frame(opcode: 0x1, [0x61, 0xC3], fin: false), Frame.frame(opcode: 0x0, [0x28], fin: true),
        ])
        #expect(split.code == 1007)
    }

    @Test func aCharacterSplitAcrossFragmentsIsFine() async throws {
        try await TestServer.with(settings: testSettings(), routes: ["/ws": echoHandler()]) { server in
            let (client, _) = try await WebSocketTestClient.open(port: server.port)
            try await client.send(Frame.frame(opcode: 0x1, [0x61, 0xC3], fin: false))
            try await client.send(Frame.frame(opcode: 0x0, [0xA9], fin: true))
            #expect(try await client.readFrame()?.text == "aé")
        }
    }

    @Test func aMessageOverTheMaximumIsTooBig() async throws {
        let single = try await closeCode(after: [Frame.frame(opcode: 0x2, [UInt8](repeating: 1, count: 1001))])
        #expect(single.code == 1009)
        #expect(single.closed)
        let fragments = try await closeCode(after: [
            Frame.frame(opcode: 0x2, [UInt8](repeating: 1, count: 600), fin: false),
            Frame.frame(opcode: 0x0, [UInt8](repeating: 1, count: 600), fin: true),
        ])
        #expect(fragments.code == 1009)
    }

    @Test func aPingIsAnsweredWithAPongCarryingItsPayload() async throws {
        try await TestServer.with(settings: testSettings(), routes: ["/ws": echoHandler()]) { server in
            let (client, _) = try await WebSocketTestClient.open(port: server.port)
            try await client.send(opcode: 0x9, [9, 8, 7])
            #expect(try await client.readFrame() == .init(fin: true, opcode: 0xA, payload: [9, 8, 7]))
            try await client.send(opcode: 0x9, [])
            #expect(try await client.readFrame() == .init(fin: true, opcode: 0xA, payload: []))
        }
    }

    @Test func badCloseFramesAreProtocolErrors() async throws {
        let oneByte = try await closeCode(after: [Frame.frame(opcode: 0x8, [3])])
        #expect(oneByte.code == 1002)
        let reservedCode = try await closeCode(after: [Frame.frame(opcode: 0x8, Frame.closePayload(1005))])
        #expect(reservedCode.code == 1002)
        let empty = try await closeCode(after: [Frame.frame(opcode: 0x8, [])])
        #expect(empty.code == 1005)  // an empty close is echoed empty
        #expect(empty.closed)
    }

    @Test func theClientsAnswerToTheServersCloseEndsTheConnection() async throws {
        let options = WebSocketOptions(pingInterval: nil, closeTimeout: .seconds(60))  // longer than the wait below
        let routes: [String: HTTPHandler] = [
            "/ws": { request, response in
                try await response.webSocket(request, options: options) { _ in }
            }
        ]
        try await TestServer.with(settings: testSettings(), routes: routes) { server in
            let (client, _) = try await WebSocketTestClient.open(port: server.port)
            #expect(try await client.readCloseCode() == 1000)
            // Data still in flight from the client is ignored; its close completes the handshake.
            try await client.send(opcode: 0x1, Array("late".utf8), fin: false)
            try await client.send(opcode: 0x0, Array("r".utf8))
            try await client.send(opcode: 0x8, Frame.closePayload(1000))
            #expect(try await client.isClosedByServer())  // within 10 s, not the 60 s close timeout
        }
    }

    @Test func aPeerThatNeverAnswersTheServersCloseIsDropped() async throws {
        let options = WebSocketOptions(pingInterval: nil, closeTimeout: .milliseconds(300))
        let routes: [String: HTTPHandler] = [
            "/ws": { request, response in
                try await response.webSocket(request, options: options) { ws in
                    try await ws.send(text: "bye")
                }  // returning closes with 1000
            }
        ]
        try await TestServer.with(settings: testSettings(), routes: routes) { server in
            let (client, _) = try await WebSocketTestClient.open(port: server.port)
            #expect(try await client.readFrame()?.text == "bye")
            #expect(try await client.readCloseCode() == 1000)
            #expect(try await client.isClosedByServer())  // without our answering
        }
    }

    @Test func anIdleConnectionIsPingedAndClosedWhenPongsStop() async throws {
        // An interval a loaded machine's test client answers well within (the pong must arrive before the
        // next tick; under ThreadSanitizer amid the whole suite 5 s was not enough).
        let options = WebSocketOptions(pingInterval: .seconds(8))
        try await TestServer.with(settings: testSettings(), routes: ["/ws": echoHandler(options)]) { server in
            let (client, _) = try await WebSocketTestClient.open(port: server.port)
            let ping = try #require(try await client.readFrame(waitingUpTo: .seconds(30)))
            #expect(ping.opcode == 0x9)
            try await client.send(opcode: 0xA, ping.payload)
            let second = try #require(try await client.readFrame(waitingUpTo: .seconds(40)))
            #expect(second.opcode == 0x9)  // still alive: pinged again once quiet
            // No pong this time: the server gives up.
            let close = try await client.readFrame(waitingUpTo: .seconds(30))
            #expect(close?.opcode == 0x8)
            #expect(close?.closeCode == 1001)
            #expect(try await client.isClosedByServer())
        }
    }

    @Test func stoppingTheServerSaysGoingAway() async throws {
        let server = try await HTTPServer.start(settings: testSettings(), addresses: ["127.0.0.1:0"])
        try await server.register("/ws", handler: echoHandler())
        let (graceful, _) = try await WebSocketTestClient.open(port: server.port!)
        let (other, _) = try await WebSocketTestClient.open(port: server.port!)
        let stopped = Task { await server.stop(gracePeriod: .seconds(20)) }
        #expect(try await graceful.readCloseCode() == 1001)
        #expect(try await other.readCloseCode() == 1001)
        try await graceful.send(opcode: 0x8, WebSocketTestClient.closePayload(1001))
        try await other.send(opcode: 0x8, WebSocketTestClient.closePayload(1001))
        #expect(try await graceful.isClosedByServer())
        #expect(try await other.isClosedByServer())
        await stopped.value

        let again = try await HTTPServer.start(settings: testSettings(), addresses: ["127.0.0.1:0"])
        try await again.register("/ws", handler: echoHandler())
        let (client, _) = try await WebSocketTestClient.open(port: again.port!)
        await again.stop()
        #expect(try await client.readCloseCode() == 1001)
        #expect(try await client.isClosedByServer())
    }
}
