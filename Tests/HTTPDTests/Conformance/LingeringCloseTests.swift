import HTTPD
import Synchronization
import Testing

/// Sends `head` then `body` (in 64 KiB pieces) on one socket while reading; returns the first response
/// head read, and whether the whole body went out.
func sendWhileReading(port: Int, head: String, body: [UInt8]) async throws -> (response: String, sentAll: Bool) {
    let socket = try await offPool { try RawSocket.connect(port: port) }
    let sender = Task {
        try await offPool { () -> Bool in
            guard socket.send(head) else { return false }
            var offset = 0
            while offset < body.count {
                let end = min(body.count, offset + 65536)
                guard socket.send(Array(body[offset..<end])) else { return false }
                offset = end
            }
            return true
        }
    }
    let received = try await offPool { socket.receiveUntilClose() }
    let sentAll = try await sender.value
    socket.close()
    return (String(decoding: received, as: UTF8.self), sentAll)
}

/// When the server answers an error and closes while the client is still sending, the client still
/// reads the answer (a lingering close: shut the write side, read and discard for a bounded time),
/// rather than a connection reset that would destroy it.
@Suite("Conformance: lingering close")
struct LingeringCloseTests {
    @Test("5 MiB sent whole to a 1 MiB limit, declared: the client reads the 413")
    func declared() async throws {
        try await TestServer.with(routes: ConformanceRoutes().routes) { test throws in
            let body = [UInt8](repeating: 0x61, count: 5 << 20)
            let (response, _) = try await sendWhileReading(
                port: test.port, head: "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: \(body.count)\r\n\r\n", body: body)
            #expect(response.hasPrefix("HTTP/1.1 413 "), "got \(response.prefix(200).debugDescription)")
            #expect(response.contains("Connection: close\r\n"))
        }
    }

    @Test("5 MiB sent whole to a 1 MiB limit, chunked, to a handler reading it: the client reads the 413")
    func chunked() async throws {
        try await TestServer.with(routes: ConformanceRoutes().routes) { test throws in
            let piece = Array("10000\r\n".utf8) + [UInt8](repeating: 0x62, count: 65536) + Array("\r\n".utf8)
            let body = Array((0..<80).map { _ in piece }.joined()) + Array("0\r\n\r\n".utf8)
            let (response, _) = try await sendWhileReading(
                port: test.port, head: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", body: body)
            #expect(response.hasPrefix("HTTP/1.1 413 "), "got \(response.prefix(200).debugDescription)")
            #expect(response.contains("Connection: close\r\n"))
        }
    }

    @Test("a 400 for broken chunk framing reaches a client still sending megabytes after it")
    func badFramingMidStream() async throws {
        try await TestServer.with(routes: ConformanceRoutes().routes) { test throws in
            let body = Array("3\r\nabc\r\nzz\r\n".utf8) + [UInt8](repeating: 0x63, count: 4 << 20)
            let (response, _) = try await sendWhileReading(
                port: test.port, head: "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", body: body)
            #expect(response.hasPrefix("HTTP/1.1 400 "), "got \(response.prefix(200).debugDescription)")
        }
    }

    @Test("a 431 reaches a client still sending megabytes of header lines")
    func headerFlood() async throws {
        try await TestServer.with(routes: ConformanceRoutes().routes) { test throws in
            let lines = Array(String(repeating: "X-Flood: 1\r\n", count: 400_000).utf8)
            let (response, _) = try await sendWhileReading(port: test.port, head: "GET / HTTP/1.1\r\nHost: a\r\n", body: lines)
            #expect(response.hasPrefix("HTTP/1.1 431 "), "got \(response.prefix(200).debugDescription)")
        }
    }

    @Test("the lingering is bounded: a client that never stops sending is cut off")
    func bounded() async throws {
        try await TestServer.with(settings: testSettings { $0.maxRequestBodyLength = 1000 }, routes: ConformanceRoutes().routes) {
            test throws in
            let socket = try await offPool { try RawSocket.connect(port: test.port) }
            let outcome = try await offPool { () -> (String, Bool) in
                // 413 at once for the declared length; then bytes for as long as the server takes them.
                guard socket.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000000\r\n\r\n") else { return ("", false) }
                let head = String(decoding: socket.receive() ?? [], as: UTF8.self)
                let piece = [UInt8](repeating: 0x64, count: 1 << 16)
                for _ in 0..<(1 << 18) {  // 16 GiB at most: far more than any bound lets through
                    if !socket.send(piece) { return (head, true) }
                }
                return (head, false)
            }
            socket.close()
            #expect(outcome.0.hasPrefix("HTTP/1.1 413 "))
            #expect(outcome.1, "the server read and discarded 16 GiB without closing")
        }
    }
}
