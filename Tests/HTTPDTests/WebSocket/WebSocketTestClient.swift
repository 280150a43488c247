/// A WebSocket client made of raw bytes, for the rules the server enforces: it writes any frame,
/// masked or not, well-formed or not, and reads the server's frames as they arrive.
struct WebSocketTestClient {
    let socket: RawClient

    /// The sample key of RFC 6455 §1.3, and the accept value it must get.
    static let sampleKey = "dGhlIHNhbXBsZSBub25jZQ=="
    static let sampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

    /// The handshake request for `path`, with `extra` header lines (each ending in CRLF).
    static func handshake(_ path: String = "/ws", extra: String = "") -> String {
        "GET \(path) HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(sampleKey)\r\nSec-WebSocket-Version: 13\r\n\(extra)\r\n"
    }

    /// Connects, sends the handshake, and reads the `101` head; throws when another status comes.
    static func open(port: Int, path: String = "/ws", extra: String = "") async throws -> (WebSocketTestClient, head: String) {
        let socket = try await RawClient.connect(port: port, sending: handshake(path, extra: extra))
        guard let head = try await socket.readHead(), head.hasPrefix("HTTP/1.1 101 ") else {
            throw RawClientError.malformed("no 101")
        }
        return (WebSocketTestClient(socket: socket), head)
    }

    /// A frame's bytes: `fin`, `rsv` (the three reserved bits, high to low), `opcode`, masked with a
    /// fixed key unless `masked` is false.
    static func frame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0, masked: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | (rsv << 4) | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        switch payload.count {
        case ..<126:
            bytes.append(maskBit | UInt8(payload.count))
        case ..<65536:
            bytes.append(maskBit | 126)
            bytes += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default:
            bytes.append(maskBit | 127)
            bytes += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        guard masked else { return bytes + payload }
        let key: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        bytes += key
        bytes += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        return bytes
    }

    /// A close frame's payload: `code` and `reason`.
    static func closePayload(_ code: UInt16, _ reason: String = "") -> [UInt8] {
        [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8)
    }

    /// Sends raw bytes.
    func send(_ bytes: [UInt8]) async throws {
        try await socket.send(bytes)
    }

    /// Sends one masked frame.
    func send(opcode: UInt8, _ payload: [UInt8], fin: Bool = true) async throws {
        try await socket.send(Self.frame(opcode: opcode, payload, fin: fin))
    }

    /// A frame from the server.
    struct Frame: Equatable {
        var fin: Bool
        var opcode: UInt8
        var payload: [UInt8]

        /// A close frame's code, if it has one.
        var closeCode: UInt16? {
            opcode == 0x8 && payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
        }

        /// The payload as text.
        var text: String { String(decoding: payload, as: UTF8.self) }
    }

    /// The server's next frame (server frames are never masked); nil when it closed first.
    func readFrame() async throws -> Frame? {
        guard let start = try await socket.read(count: 2) else { return nil }
        var length = Int(start[1] & 0x7F)
        if length == 126 {
            guard let more = try await socket.read(count: 2) else { return nil }
            length = Int(more[0]) << 8 | Int(more[1])
        } else if length == 127 {
            guard let more = try await socket.read(count: 8) else { return nil }
            length = more.reduce(0) { $0 << 8 | Int($1) }
        }
        guard let payload = try await socket.read(count: length) else { return nil }
        return Frame(fin: start[0] & 0x80 != 0, opcode: start[0] & 0x0F, payload: payload)
    }

    /// Reads frames until a close frame (skipping pings); its code, or nil when the server closed without one.
    /// The next frame, waiting through the socket's receive timeouts for up to `limit` (for frames a
    /// server's timer sends after more than 10 s).
    func readFrame(waitingUpTo limit: Duration) async throws -> Frame? {
        let deadline = ContinuousClock.now + limit
        while true {
            do {
                return try await readFrame()
            } catch RawClientError.timedOut where ContinuousClock.now < deadline {
                continue  // the socket's 10 s receive timeout passed with nothing: wait on
            }
        }
    }

    func readCloseCode() async throws -> UInt16? {
        while let frame = try await readFrame() {
            if frame.opcode == 0x8 { return frame.closeCode ?? 1005 }
        }
        return nil
    }

    /// Whether the server closed the TCP connection (EOF) with nothing else to read, waiting up to 10 s.
    func isClosedByServer() async throws -> Bool {
        (try? await socket.readUntilClose())?.isEmpty ?? false && socket.sawEOF
    }
}
