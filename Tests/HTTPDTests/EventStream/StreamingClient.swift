#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP client for long-lived answers (event streams, WebSocket frames): it reads what has
/// arrived so far instead of whole responses. Blocking socket calls go through `offPool`.
final class StreamingClient: @unchecked Sendable {
    private let socket: Int32
    /// Bytes received and not yet taken.
    private(set) var buffer: [UInt8] = []
    /// The server closed (EOF or reset).
    private(set) var sawEOF = false

    private init(socket: Int32) {
        self.socket = socket
    }

    deinit {
        Glibc.close(socket)
    }

    /// Connects to 127.0.0.1:`port` and sends `text` in the same blocking call.
    static func connect(port: Int, sending text: String) async throws -> StreamingClient {
        let bytes = Array(text.utf8)
        return try await offPool {
            let client = StreamingClient(socket: try connectToLoopback(port: port, timeoutSeconds: 10))
            try client.sendNow(bytes)
            return client
        }
    }

    /// Sends `bytes` as-is.
    func send(_ bytes: [UInt8]) async throws {
        try await offPool { try self.sendNow(bytes) }
    }

    private func sendNow(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw RawClientError.system("send", errno) }
            offset += sent
        }
    }

    /// Closes the socket now (both directions).
    func close() {
        shutdown(socket, Int32(SHUT_RDWR))
    }

    /// The response head (status line and headers) as text, without the blank line; nil at EOF.
    func readHead() async throws -> String? {
        guard let end = try await fill(until: { Self.find([13, 10, 13, 10], in: $0) }) else { return nil }
        defer { buffer.removeFirst(end + 4) }
        return String(decoding: buffer[..<end], as: UTF8.self)
    }

    /// Everything up to and including the first `text` that arrives (nil when the server closed first).
    func read(through text: String) async throws -> String? {
        let needle = Array(text.utf8)
        guard let start = try await fill(until: { Self.find(needle, in: $0) }) else { return nil }
        defer { buffer.removeFirst(start + needle.count) }
        return String(decoding: buffer[..<(start + needle.count)], as: UTF8.self)
    }

    /// Exactly `count` bytes (nil when the server closed first).
    func read(count: Int) async throws -> [UInt8]? {
        guard try await fill(until: { $0.count >= count ? count : nil }) != nil else { return nil }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    /// Reads until the server closes, waiting up to 10 s (the socket's timeout); what came meanwhile.
    func readUntilClose() async throws -> [UInt8] {
        _ = try await fill(until: { _ in nil })
        defer { buffer = [] }
        return buffer
    }

    /// Reads until `found` returns an index into the buffer, or the connection ends (nil).
    private func fill(until found: ([UInt8]) -> Int?) async throws -> Int? {
        while true {
            if let index = found(buffer) { return index }
            if sawEOF { return nil }
            let chunk = try await offPool { [socket] () throws -> [UInt8]? in
                var bytes = [UInt8](repeating: 0, count: 65536)
                let count = bytes.withUnsafeMutableBytes { Glibc.recv(socket, $0.baseAddress, $0.count, 0) }
                if count > 0 { return Array(bytes[..<count]) }
                if count == 0 || errno == ECONNRESET { return nil }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw RawClientError.timedOut }
                throw RawClientError.system("recv", errno)
            }
            if let chunk { buffer += chunk } else { sawEOF = true }
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
