import HTTPD
import HTTPDHTTP2
import Testing

/// An HTTP/1.1 event stream is its connection's last response: `Connection: close`, no request read
/// while it runs (NIOHTTP1's decoder leaves the pipeline), and the client leaving still noticed.
@Suite struct EventStreamConnectionTests {
    @Test func aStreamIsTheConnectionsLastResponseAndWhatTheClientSendsMeanwhileIsDiscarded() async throws {
        let release = Gate()
        let otherRuns = Locked(0)
        let routes: [String: HTTPHandler] = [
            "/events": gatedEventStream(release),
            "/other": { _, response in
                otherRuns.update { $0 += 1 }
                try await response.write(status: 200, body: "other")
            },
        ]
        try await TestServer.with(settings: testSettings(), routes: routes) { test in
            let socket = try await offPool { try RawSocket.connect(port: test.port) }
            socket.setReceiveTimeout(milliseconds: 10_000)
            _ = try await offPool { socket.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n") }
            var received = ""
            while !received.contains("data: open\n\n") {
                let part = try #require(try await offPool { socket.receive() })
                try #require(!part.isEmpty)
                received += String(decoding: part, as: UTF8.self)
            }
            #expect(received.hasPrefix("HTTP/1.1 200"))
            #expect(received.lowercased().contains("\r\nconnection: close\r\n"))
            // A request pipelined behind the stream, bytes that are no HTTP at all, and the client's end
            // of sending (which makes the server read them all): none of it is read as a request (no
            // answer, no 400), and the stream goes on to its end.
            _ = try await offPool { socket.send("GET /other HTTP/1.1\r\nHost: x\r\n\r\nnot a request at all\r\n\r\n") }
            socket.shutdownWrite()
            try await Task.sleep(for: .milliseconds(100))
            release.open()
            let rest = String(decoding: try await offPool { socket.receiveUntilClose() }, as: UTF8.self)
            #expect(rest.hasSuffix("data: last\n\n\r\n0\r\n\r\n"))  // the event, the last chunk, then the close
            #expect(!rest.contains("HTTP/1.1"))
            #expect(await eventually(within: .seconds(20)) { test.server.connectionCount == 0 }, "the connection stayed open")
        }
        #expect(otherRuns.get() == 0)
    }

    @Test func aClientThatResetsWhileTheHandlerWaitsCancelsIt() async throws {
        let ended = Locked<(any Error)?>(nil)
        let finished = Gate()
        let routes: [String: HTTPHandler] = [
            "/events": eventStreamRecordingItsEnd(ended, finished) { events in
                    try await events.send(data: "open")
                    try await Task.sleep(for: .seconds(600))  // no heartbeat, no send: only the reset wakes it
            }
        ]
        try await TestServer.with(settings: testSettings(), routes: routes) { test in
            let socket = try await offPool { try RawSocket.connect(port: test.port) }
            _ = try await offPool { socket.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n") }
            socket.setReceiveTimeout(milliseconds: 10_000)
            var received: [UInt8] = []
            while !String(decoding: received, as: UTF8.self).contains("data: open\n\n") {
                let part = try #require(try await offPool { socket.receive() })
                try #require(!part.isEmpty)
                received += part
            }
            _ = try await offPool { socket.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n") }
            try await offPool { socket.reset() }
            await finished.wait()
            #expect(ended.get() as? HTTPDError == .connectionClosed)
            #expect(await eventually(within: .seconds(20)) { test.server.connectionCount == 0 })
        }
    }

    @Test func overHTTP2TheConnectionServesOtherStreamsWhileOneIsAnEventStream() async throws {
        let release = Gate()
        let routes: [String: HTTPHandler] = [
            "/events": gatedEventStream(release),
            "/other": { _, response in try await response.write(status: 200, body: "other") },
        ]
        try await TestServer.withH2C(routes: routes) { test in
            let client = try await HTTP2FrameClient.connect(port: test.port, sending: [.request(stream: 1, path: "/events")])
            defer { client.close() }
            let head = try await client.frame { $0.stream == 1 && $0.type == H2Type.headers }
            #expect(head?.status == 200)
            #expect(try await client.send(.request(stream: 3, path: "/other")))
            #expect(try await client.outcome(of: 3) == .response(status: 200, body: Array("other".utf8)))
            release.open()
            let last = try await client.frame { $0.stream == 1 && $0.flags & H2Flag.endStream != 0 }
            #expect(last != nil, "the event stream did not end")
        }
    }
}
