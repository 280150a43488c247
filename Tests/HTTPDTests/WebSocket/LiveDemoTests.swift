import HTTPD
import HTTPDTutorial
import Testing

/// The demo's `/ws`, `/events` and `/live`, through a real socket.
@Suite struct LiveDemoTests {
    func withDemo(_ body: (TestServer) async throws -> Void) async throws {
        try await TestServer.with(mux: TutorialApplication.mux(), settings: testSettings()) { test in
            try await TutorialApplication.register(on: test.server)
            try await body(test)
        }
    }

    @Test func wsEchoes() async throws {
        try await withDemo { server in
            let (client, _) = try await WebSocketTestClient.open(port: server.port)
            try await client.send(opcode: 0x1, Array("hello".utf8))
            #expect(try await client.readFrame()?.text == "hello")
        }
    }

    @Test func eventsTellTheTimeNumberedFromTheLastEventID() async throws {
        try await withDemo { server in
            let client = try await RawClient.connect(
                port: server.port, sending: "GET /events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 41\r\n\r\n")
            let head = try #require(try await client.readHead())
            #expect(head.contains("Content-Type: text/event-stream"))
            let first = try #require(try await client.read(through: "Z\n\n"))
            #expect(first.contains("event: tick\nid: 42\ndata: 20"))
            let second = try #require(try await client.read(through: "Z\n\n"))
            #expect(second.contains("id: 43\n"))
        }
    }

    @Test func livePageUsesBoth() async throws {
        try await withDemo { server in
            let response = try await server.request("/live")
            #expect(response.status == 200)
            #expect(response.headers.first(name: "Content-Type") == "text/html; charset=utf-8")
            #expect(response.text.contains("new WebSocket("))
            #expect(response.text.contains("new EventSource(\"/events\")"))
        }
    }
}
