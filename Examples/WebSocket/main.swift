import HTTPD
import HTTPDWebSocket

let server = try await HTTPServer.start("127.0.0.1:8080")

let options = WebSocketOptions(
    maxMessageSize: 64 << 10,                                    // a bigger message: close 1009
    pingInterval: .seconds(20),                                  // a quiet client is pinged, a dead one dropped
    acceptsOrigin: { origin in origin == nil || origin == "http://127.0.0.1:8080" },   // others: 403
    chooseSubprotocol: { offered in offered.first { $0 == "shout.v1" } })

try await server.register("/shout") { request, response in
    try await response.webSocket(request, options: options) { ws in
        try await ws.send(text: "hello, \(request.client)")
        for try await message in ws.messages {                   // whole messages, fragments joined
            switch message {
            case .text(let text): try await ws.send(text: text.uppercased())   // waits while the client lags
            case .binary(let bytes): try await ws.send(binary: bytes.reversed())
            }
        }                                                        // ends when the client closes
    }                                                            // returning closes with 1000
}

await server.wait()
