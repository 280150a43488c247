import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP client for the bytes AsyncHTTPClient will not send: malformed, partial and pipelined
/// requests. Its blocking socket calls run through `offPool` (a new serial Dispatch queue per call:
/// never on the test's cooperative pool, nor behind other tests' blocked calls).
final class RawClient: @unchecked Sendable {
    private let socket: Int32
    private var buffer: [UInt8] = []
    /// The server closed (EOF or reset).
    private(set) var sawEOF = false

    private init(socket: Int32) {
        self.socket = socket
    }

    deinit {
        Glibc.close(socket)
    }

    /// Connects to 127.0.0.1:`port`.
    static func connect(port: Int) async throws -> RawClient {
        try await offPool { RawClient(socket: try connectToLoopback(port: port, timeoutSeconds: 10)) }
    }

    /// Connects to 127.0.0.1:`port` and sends `text` in the same blocking call, so the request is in
    /// the server's socket buffer however long a loaded machine keeps this task from resuming (a request
    /// timeout of a second or two runs from the moment the server accepts).
    static func connect(port: Int, sending text: String) async throws -> RawClient {
        let bytes = Array(text.utf8)
        return try await offPool {
            let client = RawClient(socket: try connectToLoopback(port: port, timeoutSeconds: 10))
            try client.sendNow(bytes)
            return client
        }
    }

    /// Sends `text` as-is (write `\r\n` yourself).
    func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    /// Sends `bytes` as-is.
    func send(_ bytes: [UInt8]) async throws {
        try await offPool { try self.sendNow(bytes) }
    }

    /// Sends `bytes` on the calling thread, blocking until the kernel took them all.
    private func sendNow(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw RawClientError.system("send", errno) }
            offset += sent
        }
    }

    /// Reads one response (head, then a body framed by `Content-Length`, chunked, or until close;
    /// none for HEAD when `headOnly`); nil when the server closed without sending one.
    func readResponse(headOnly: Bool = false) async throws -> RawResponse? {
        guard let headEnd = try await fill(until: { Self.find([13, 10, 13, 10], in: $0) }) else { return nil }
        let headText = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw RawClientError.malformed(statusLine) }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingLeadingSpaces)
        }
        var response = RawResponse(statusLine: statusLine, status: status, headers: headers, body: [])
        if headOnly || status < 200 || status == 204 || status == 304 { return response }
        if let length = response.header("Content-Length").flatMap(Int.init) {
            guard try await fill(until: { $0.count >= length ? length : nil }) != nil else {
                throw RawClientError.truncated
            }
            response.body = Array(buffer[..<length])
            buffer.removeFirst(length)
        } else if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            response.body = try await readChunkedBody()
        } else {
            _ = try await fill(until: { _ in nil })
            response.body = buffer
            buffer = []
        }
        return response
    }

    private func readChunkedBody() async throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            guard let lineEnd = try await fill(until: { Self.find([13, 10], in: $0) }) else { throw RawClientError.truncated }
            let sizeText = String(decoding: buffer[..<lineEnd], as: UTF8.self)
            buffer.removeFirst(lineEnd + 2)
            guard let size = Int(sizeText.split(separator: ";")[0], radix: 16) else { throw RawClientError.malformed(sizeText) }
            guard try await fill(until: { $0.count >= size + 2 ? size : nil }) != nil else { throw RawClientError.truncated }
            body += buffer[..<size]
            buffer.removeFirst(size + 2)
            if size == 0 { return body }
        }
    }

    /// Closes the socket now (both directions).
    func close() {
        shutdown(socket, Int32(SHUT_RDWR))
    }

    /// For long-lived answers (event streams, WebSocket frames), read as they come: the response head
    /// (status line and headers) as text, without the blank line; nil at EOF.
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

    /// Everything the server sends until it closes the connection (or 10 s pass), as text.
    func readUntilClose() async throws -> String {
        _ = try await fill(until: { _ in nil })
        defer { buffer = [] }
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Whether the server closed the connection (EOF or reset) with nothing more to read, waiting up to 10 s.
    func isClosedByServer() async throws -> Bool {
        do {
            _ = try await fill(until: { $0.isEmpty ? nil : 0 })
        } catch RawClientError.timedOut {
            return false
        }
        return buffer.isEmpty && sawEOF
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

/// A response as the raw client read it.
struct RawResponse: Sendable {
    let statusLine: String
    let status: Int
    let headers: [(String, String)]
    var body: [UInt8]

    /// The first value of header `name` (any case).
    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// The body as text.
    var text: String { String(decoding: body, as: UTF8.self) }
}

enum RawClientError: Error {
    case system(String, Int32)
    case malformed(String)
    case truncated
    case timedOut
}

extension Substring {
    fileprivate var trimmingLeadingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" })
    }
}

/// A blocking TCP socket connected to 127.0.0.1:`port`, with send and receive timeouts of
/// `timeoutSeconds`; throws `RawClientError.system` (EMFILE when out of descriptors).
func connectToLoopback(port: Int, timeoutSeconds: Int) throws -> Int32 {
    let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw RawClientError.system("socket", errno) }
    var time = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard result == 0 else {
        let code = errno
        Glibc.close(fd)
        throw RawClientError.system("connect", code)
    }
    return fd
}
