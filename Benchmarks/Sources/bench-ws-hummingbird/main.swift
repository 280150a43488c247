// Hummingbird 2's WebSocket echo at /ws, written the way HummingbirdWebSocket's README does.
// Usage: bench-ws-hummingbird PORT
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging

let arguments = CommandLine.arguments
guard arguments.count >= 2, let port = Int(arguments[1]) else {
    print("usage: bench-ws-hummingbird PORT")
    exit(2)
}
var logger = Logger(label: "bench-ws-hummingbird")
logger.logLevel = .error

let router = Router()
let app = Application(
    router: router,
    server: .http1WebSocketUpgrade { request, _, _ in
        guard request.path == "/ws" else { return .dontUpgrade }
        return .upgrade([:]) { inbound, outbound, _ in
            for try await message in inbound.messages(maxSize: 1 << 20) {
                switch message {
                case .text(let text): try await outbound.write(.text(text))
                case .binary(let bytes): try await outbound.write(.binary(bytes))
                }
            }
        }
    },
    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
    logger: logger
)
try await app.runService()
