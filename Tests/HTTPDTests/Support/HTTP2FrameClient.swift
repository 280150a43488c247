import HTTPD
import HTTPDHTTP2
import HTTPDTLS
import NIOCore
import NIOHPACK
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/2 frame as it goes on the wire (RFC 9113 §4.1): a 9-byte header (length, type, flags,
/// stream id) and the payload, built by hand so that tests can send what no well-behaved client would.
struct H2Frame: Sendable, CustomStringConvertible {
    var type: UInt8
    var flags: UInt8
    var stream: UInt32
    var payload: [UInt8]
    /// For a HEADERS (or the CONTINUATION that ended its block) the server sent: the decoded fields.
    var fields: [(name: String, value: String)] = []

    /// The frame's bytes on the wire.
    var bytes: [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), type, flags]
            + H2Frame.uint32(stream & 0x7fff_ffff) + payload
    }

    /// The error code of a RST_STREAM or GOAWAY.
    var errorCode: H2Error? {
        switch type {
        case H2Type.rstStream where payload.count >= 4: return H2Error(rawValue: H2Frame.readUInt32(payload, at: 0))
        case H2Type.goAway where payload.count >= 8: return H2Error(rawValue: H2Frame.readUInt32(payload, at: 4))
        default: return nil
        }
    }

    /// The last stream id a GOAWAY names.
    var lastStreamID: UInt32? {
        type == H2Type.goAway && payload.count >= 4 ? H2Frame.readUInt32(payload, at: 0) & 0x7fff_ffff : nil
    }

    /// A HEADERS frame's `:status`.
    var status: Int? { fields.first { $0.name == ":status" }.flatMap { Int($0.value) } }

    var description: String {
        let names = [0: "DATA", 1: "HEADERS", 2: "PRIORITY", 3: "RST_STREAM", 4: "SETTINGS", 6: "PING", 7: "GOAWAY", 8: "WINDOW_UPDATE", 9: "CONTINUATION"]
        var text = "\(names[Int(type)] ?? "type \(type)") stream \(stream) flags \(flags) \(payload.count) bytes"
        if let errorCode { text += " \(errorCode)" }
        if let status { text += " :status \(status)" }
        return text
    }

    // MARK: Frames a client sends

    /// SETTINGS with `values` (identifier, value); empty for a frame that only opens the connection.
    static func settings(_ values: [(H2Setting, UInt32)] = []) -> H2Frame {
        H2Frame(type: H2Type.settings, flags: 0, stream: 0, payload: values.flatMap { uint16($0.0.rawValue) + uint32($0.1) })
    }

    static let settingsAck = H2Frame(type: H2Type.settings, flags: H2Flag.ack, stream: 0, payload: [])

    static func ping(_ opaque: UInt64 = 0) -> H2Frame {
        H2Frame(type: H2Type.ping, flags: 0, stream: 0, payload: (0..<8).map { UInt8(truncatingIfNeeded: opaque >> (56 - 8 * $0)) })
    }

    /// HEADERS carrying `block` (a header block fragment, `headerBlock(...)`).
    static func headers(stream: UInt32, block: [UInt8], endStream: Bool = true, endHeaders: Bool = true) -> H2Frame {
        H2Frame(
            type: H2Type.headers, flags: (endStream ? H2Flag.endStream : 0) | (endHeaders ? H2Flag.endHeaders : 0), stream: stream,
            payload: block)
    }

    /// A GET (or `method`) request's HEADERS for `path`, ending the stream unless `endStream` is false.
    static func request(
        stream: UInt32, method: String = "GET", path: String = "/", extra: [(String, String)] = [], endStream: Bool = true
    ) -> H2Frame {
        headers(stream: stream, block: requestBlock(method: method, path: path, extra: extra), endStream: endStream)
    }

    static func continuation(stream: UInt32, block: [UInt8], endHeaders: Bool) -> H2Frame {
        H2Frame(type: H2Type.continuation, flags: endHeaders ? H2Flag.endHeaders : 0, stream: stream, payload: block)
    }

    static func data(stream: UInt32, _ bytes: [UInt8], endStream: Bool = false) -> H2Frame {
        H2Frame(type: H2Type.data, flags: endStream ? H2Flag.endStream : 0, stream: stream, payload: bytes)
    }

    static func rstStream(stream: UInt32, _ code: H2Error = .cancel) -> H2Frame {
        H2Frame(type: H2Type.rstStream, flags: 0, stream: stream, payload: uint32(code.rawValue))
    }

    static func windowUpdate(stream: UInt32, increment: UInt32) -> H2Frame {
        H2Frame(type: H2Type.windowUpdate, flags: 0, stream: stream, payload: uint32(increment))
    }

    /// PRIORITY for `stream`, depending on `dependsOn` with `weight`.
    static func priority(stream: UInt32, dependsOn: UInt32 = 0, weight: UInt8 = 16) -> H2Frame {
        H2Frame(type: H2Type.priority, flags: 0, stream: stream, payload: uint32(dependsOn) + [weight])
    }

    // MARK: Header blocks

    /// The header block of a request: the pseudo-headers, then `extra`; literals without indexing
    /// (NIOHPACK's encoder), so every block stands alone and the server's table never matters.
    static func requestBlock(method: String = "GET", path: String = "/", extra: [(String, String)] = []) -> [UInt8] {
        headerBlock([(":method", method), (":scheme", "http"), (":authority", "127.0.0.1"), (":path", path)] + extra)
    }

    /// `fields` as one header block, by NIOHPACK's encoder with a fresh table: by default each a literal
    /// without indexing (the block stands alone). With `.indexable`, a field repeated goes once as a
    /// literal that enters the table, then as one-byte references to it (the server's table is fresh
    /// too on a new connection whose other blocks never index).
    static func headerBlock(_ fields: [(String, String)], indexing: HPACKIndexing = .nonIndexable) -> [UInt8] {
        var headers = HPACKHeaders()
        for (name, value) in fields { headers.add(name: name, value: value, indexing: indexing) }
        var encoder = HPACKEncoder(allocator: ByteBufferAllocator(), useHuffmanEncoding: false)
        var buffer = ByteBuffer()
        try! encoder.encode(headers: headers, to: &buffer)
        return Array(buffer.readableBytesView)
    }

    static func uint16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }

    static func uint32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}

/// HTTP/2 frame types (RFC 9113 §6).
enum H2Type {
    static let data: UInt8 = 0x0
    static let headers: UInt8 = 0x1
    static let priority: UInt8 = 0x2
    static let rstStream: UInt8 = 0x3
    static let settings: UInt8 = 0x4
    static let ping: UInt8 = 0x6
    static let goAway: UInt8 = 0x7
    static let windowUpdate: UInt8 = 0x8
    static let continuation: UInt8 = 0x9
}

/// HTTP/2 frame flags (RFC 9113 §6).
enum H2Flag {
    static let endStream: UInt8 = 0x1
    static let ack: UInt8 = 0x1
    static let endHeaders: UInt8 = 0x4
    static let padded: UInt8 = 0x8
    static let priorityFlag: UInt8 = 0x20
}

/// SETTINGS parameters (RFC 9113 §6.5.2).
enum H2Setting: UInt16, Sendable {
    case headerTableSize = 0x1
    case enablePush = 0x2
    case maxConcurrentStreams = 0x3
    case initialWindowSize = 0x4
    case maxFrameSize = 0x5
    case maxHeaderListSize = 0x6
}

/// HTTP/2 error codes (RFC 9113 §7), as RST_STREAM and GOAWAY carry them.
struct H2Error: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    let rawValue: UInt32

    static let noError = H2Error(rawValue: 0x0)
    static let protocolError = H2Error(rawValue: 0x1)
    static let internalError = H2Error(rawValue: 0x2)
    static let flowControlError = H2Error(rawValue: 0x3)
    static let streamClosed = H2Error(rawValue: 0x5)
    static let frameSizeError = H2Error(rawValue: 0x6)
    static let refusedStream = H2Error(rawValue: 0x7)
    static let cancel = H2Error(rawValue: 0x8)
    static let compressionError = H2Error(rawValue: 0x9)
    static let enhanceYourCalm = H2Error(rawValue: 0xb)

    var description: String {
        let names: [UInt32: String] = [
            0: "NO_ERROR", 1: "PROTOCOL_ERROR", 2: "INTERNAL_ERROR", 3: "FLOW_CONTROL_ERROR", 5: "STREAM_CLOSED",
            6: "FRAME_SIZE_ERROR", 7: "REFUSED_STREAM", 8: "CANCEL", 9: "COMPRESSION_ERROR", 0xb: "ENHANCE_YOUR_CALM",
        ]
        return names[rawValue] ?? "error \(rawValue)"
    }
}

/// How a stream (or the whole connection) ended, as a raw client saw it.
enum H2Outcome: Sendable, Hashable, CustomStringConvertible {
    /// A response: its status and body.
    case response(status: Int, body: [UInt8])
    /// The server reset the stream with this code.
    case reset(H2Error)
    /// The server ended the connection with GOAWAY and this code.
    case goAway(H2Error)
    /// The connection closed (or went silent past the wait) without any of those.
    case closed

    var status: Int? {
        if case .response(let status, _) = self { return status }
        return nil
    }

    var description: String {
        switch self {
        case .response(let status, let body): return "response \(status) (\(body.count) bytes)"
        case .reset(let code): return "RST_STREAM \(code)"
        case .goAway(let code): return "GOAWAY \(code)"
        case .closed: return "closed"
        }
    }
}

/// A raw HTTP/2 client over a blocking TCP socket (h2c with prior knowledge), for the frames no HTTP/2
/// library would send: floods, resets, bad stream ids, header blocks that never end. It sends the
/// preface and whatever frames a test builds (`H2Frame`), and reads the server's frames back, decoding
/// the server's header blocks with NIOHPACK. Its blocking calls run through `offPool`; waits are
/// generous (bounds, never measurements).
final class HTTP2FrameClient: @unchecked Sendable {
    /// RFC 9113 §3.4.
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    let socket: RawSocket
    /// Whether a SETTINGS from the server is acknowledged as soon as it is read.
    private let acknowledgesSettings: Bool
    /// Whether a PING from the server is answered as soon as it is read.
    private let answersPings: Bool
    private var buffer: [UInt8] = []
    private var decoder = HPACKDecoder(allocator: ByteBufferAllocator(), maxDynamicTableSize: 4096, maxHeaderListSize: 1 << 20)
    /// A header block the server has not finished (HEADERS without END_HEADERS, then CONTINUATIONs).
    private var pendingBlock: [UInt8] = []
    /// The server closed (EOF or reset).
    private(set) var sawEOF = false
    /// Every frame read so far, in order.
    private(set) var received: [H2Frame] = []

    private init(socket: RawSocket, acknowledgesSettings: Bool, answersPings: Bool) {
        self.socket = socket
        self.acknowledgesSettings = acknowledgesSettings
        self.answersPings = answersPings
    }

    /// Connects to 127.0.0.1:`port` and opens HTTP/2: the preface and a SETTINGS with `settings`. When
    /// `handshake` is true (the default), also reads the server's SETTINGS and acknowledges it before
    /// returning (so the server's advertised limits hold from the next frame on), and acknowledges any
    /// later SETTINGS as it reads it. A PING read is answered, as every client must, unless `answersPings`
    /// is false. `sending` goes right behind the SETTINGS in the same blocking write, so it is in the
    /// server's socket buffer however long a loaded machine keeps this task from resuming (the server's
    /// idle timeout runs from the connection's start).
    static func connect(
        port: Int, settings: [(H2Setting, UInt32)] = [], handshake: Bool = true, answersPings: Bool = true,
        sending: [H2Frame] = []
    ) async throws -> HTTP2FrameClient {
        let client = try await offPool {
            let socket = try RawSocket.connect(port: port)
            socket.setReceiveTimeout(milliseconds: 1000)
            let client = HTTP2FrameClient(socket: socket, acknowledgesSettings: handshake, answersPings: answersPings)
            guard socket.send(preface + H2Frame.settings(settings).bytes + sending.flatMap(\.bytes)) else {
                throw RawClientError.system("send", errno)
            }
            return client
        }
        if handshake {
            let serverSettings = try await client.frame(within: .seconds(20)) { $0.type == H2Type.settings && $0.flags & H2Flag.ack == 0 }
            guard serverSettings != nil else { throw RawClientError.truncated }
        }
        return client
    }

    /// Sends `frames` in one blocking write; whether the server took all of them (false when it
    /// closed or reset the connection, or stopped reading for 10 s, part-way).
    @discardableResult
    func send(_ frames: [H2Frame]) async throws -> Bool {
        let bytes = frames.flatMap(\.bytes)
        return try await offPool { self.socket.send(bytes) }
    }

    @discardableResult
    func send(_ frame: H2Frame) async throws -> Bool {
        try await send([frame])
    }

    /// Sends `count` rounds of the frames `round` makes (given the round's index), in batches, until
    /// the server stops taking them (closes, resets, or does not read for 10 s); how many whole rounds
    /// went out. For floods: the server is expected to end the connection part-way.
    func flood(_ count: Int, _ round: @escaping @Sendable (Int) -> [H2Frame]) async throws -> Int {
        try await offPool {
            var sent = 0
            while sent < count {
                let batch = min(500, count - sent)
                let bytes = (sent..<sent + batch).flatMap { round($0).flatMap(\.bytes) }
                guard self.socket.send(bytes) else { break }
                sent += batch
            }
            return sent
        }
    }

    /// Reads frames until one matches `match` (returned) or the server closes, or `limit` passes (nil).
    func frame(within limit: Duration = .seconds(20), where match: (H2Frame) -> Bool) async throws -> H2Frame? {
        let deadline = ContinuousClock.now + limit
        while true {
            while let frame = try takeFrame() {
                if acknowledgesSettings, frame.type == H2Type.settings, frame.flags & H2Flag.ack == 0 {
                    try await send(H2Frame.settingsAck)
                }
                if answersPings, frame.type == H2Type.ping, frame.flags & H2Flag.ack == 0 {
                    try await send(H2Frame(type: H2Type.ping, flags: H2Flag.ack, stream: 0, payload: frame.payload))
                }
                if match(frame) { return frame }
            }
            guard !sawEOF, ContinuousClock.now < deadline else { return nil }
            try await readMore()
        }
    }

    /// How `stream` ends: the response (HEADERS with `:status`, its DATA until END_STREAM; an interim
    /// 1xx is skipped), a reset, a GOAWAY, or the connection closing; within `limit`.
    func outcome(of stream: UInt32, within limit: Duration = .seconds(20)) async throws -> H2Outcome {
        var status: Int?
        var body: [UInt8] = []
        var ended: H2Outcome?
        _ = try await frame(within: limit) { frame in
            if frame.type == H2Type.goAway {
                // A GOAWAY that still lets this stream finish (last id at or past it, NO_ERROR) is not its end.
                if frame.errorCode != .noError || (frame.lastStreamID ?? 0) < stream {
                    ended = .goAway(frame.errorCode ?? .noError)
                    return true
                }
                return false
            }
            guard frame.stream == stream else { return false }
            switch frame.type {
            case H2Type.rstStream:
                ended = .reset(frame.errorCode ?? .noError)
                return true
            case H2Type.headers, H2Type.continuation:
                if let code = frame.status, code >= 200 { status = code }
            case H2Type.data:
                body += frame.payload
            default:
                break
            }
            if frame.flags & H2Flag.endStream != 0, frame.type == H2Type.headers || frame.type == H2Type.data, let status {
                ended = .response(status: status, body: body)
                return true
            }
            return false
        }
        return ended ?? .closed
    }

    /// Reads until the server closes the connection or `limit` passes; the first GOAWAY read on the
    /// way (nil if none came), and whether the connection closed.
    func goAwayAndClose(within limit: Duration = .seconds(20)) async throws -> (goAway: H2Frame?, closed: Bool) {
        let goAway = try await frame(within: limit) { $0.type == H2Type.goAway }
        _ = try await frame(within: limit) { _ in false }
        return (goAway, sawEOF)
    }

    /// Closes the socket.
    func close() {
        socket.close()
    }

    /// The next whole frame in the buffer, if one is there (decoding the server's header blocks).
    private func takeFrame() throws -> H2Frame? {
        guard buffer.count >= 9 else { return nil }
        let length = Int(buffer[0]) << 16 | Int(buffer[1]) << 8 | Int(buffer[2])
        guard buffer.count >= 9 + length else { return nil }
        var frame = H2Frame(
            type: buffer[3], flags: buffer[4], stream: H2Frame.readUInt32(buffer, at: 5) & 0x7fff_ffff,
            payload: Array(buffer[9..<9 + length]))
        buffer.removeFirst(9 + length)
        switch frame.type {
        case H2Type.headers:
            var fragment = frame.payload[...]
            if frame.flags & H2Flag.padded != 0, let padding = fragment.first {
                fragment = fragment.dropFirst().dropLast(Int(padding))
            }
            if frame.flags & H2Flag.priorityFlag != 0 { fragment = fragment.dropFirst(5) }
            pendingBlock = Array(fragment)
            if frame.flags & H2Flag.endHeaders != 0 { frame.fields = try decodePendingBlock() }
        case H2Type.continuation:
            pendingBlock += frame.payload
            if frame.flags & H2Flag.endHeaders != 0 { frame.fields = try decodePendingBlock() }
        default:
            break
        }
        received.append(frame)
        return frame
    }

    private func decodePendingBlock() throws -> [(name: String, value: String)] {
        var block = ByteBuffer(bytes: pendingBlock)
        pendingBlock = []
        return try decoder.decodeHeaders(from: &block).map { ($0.name, $0.value) }
    }

    /// One read from the socket (up to a second of waiting); EOF or a reset sets `sawEOF`.
    private func readMore() async throws {
        let chunk = try await offPool { [socket] () -> [UInt8]? in
            var bytes = [UInt8](repeating: 0, count: 65536)
            let count = bytes.withUnsafeMutableBytes { Glibc.recv(socket.fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { return Array(bytes[..<count]) }
            if count == 0 || errno == ECONNRESET { return nil }
            if errno == EAGAIN || errno == EWOULDBLOCK { return [] }
            throw RawClientError.system("recv", errno)
        }
        if let chunk { buffer += chunk } else { sawEOF = true }
    }
}

extension TestServer {
    /// Starts a server with an h2c listener (HTTP/2 by prior knowledge, HTTP/1.1 otherwise) with
    /// `options` and `settings`, registers `routes`, runs `body`, then stops the server. `overTLS`: an
    /// HTTPS listener (h2 by ALPN) instead, reached through a `TLSRelay` that offers `h2`, so the
    /// test's raw frames go over TLS unchanged.
    static func withH2C(
        overTLS: Bool = false, options: HTTP2Options = .defaults, settings: HTTPSettings = testSettings(),
        routes: [String: HTTPHandler], _ body: (TestServer) async throws -> Void
    ) async throws {
        let listener: HTTPListener =
            overTLS
            ? .http2("127.0.0.1:0", tls: try HTTPSContext(certificate: Fixture.ec), options: options)
            : .h2c("127.0.0.1:0", options: options)
        let server = try await HTTPServer.start(settings: settings, listeners: [listener])
        var relay: TLSRelay?
        do {
            for (path, handler) in routes { try await server.register(path, handler: handler) }
            if overTLS { relay = try await TLSRelay.start(to: server.port!, applicationProtocols: ["h2"]) }
            try await body(TestServer(server: server, port: relay?.port))
        } catch {
            await server.stop()
            await relay?.stop()
            throw error
        }
        await server.stop()
        await relay?.stop()
    }

    /// A new HTTP/2 connection gets `GET path` answered with 200 (the server still serves other
    /// connections after whatever the test did to one).
    func expectFreshHTTP2Served(_ path: String = "/", sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let client = try await HTTP2FrameClient.connect(port: port, sending: [.request(stream: 1, path: path)])
        defer { client.close() }
        let outcome = try await client.outcome(of: 1)
        #expect(outcome.status == 200, "a fresh connection got \(outcome)", sourceLocation: sourceLocation)
    }
}
