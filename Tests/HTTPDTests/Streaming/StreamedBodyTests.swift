import HTTPD
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A handler that streams its body and answers `<bytes> <chunks> <sum of the bytes mod 2^32>`, with
/// its request's limit raised to `limit` first.
private func countingHandler(limit: Int = 64 << 20) -> HTTPHandler {
    { request, response in
        try request.setMaxBodyLength(limit)
        var bytes = 0
        var chunks = 0
        var sum: UInt32 = 0
        for try await chunk in request.bodyChunks {
            bytes += chunk.readableBytes
            chunks += 1
            for byte in chunk.readableBytesView { sum &+= UInt32(byte) }
        }
        try await response.write(status: 200, body: "\(bytes) \(chunks) \(sum)")
    }
}

/// The bytes 0, 1, …, 255, 0, … (`count` of them) and their sum mod 2^32.
/// The bytes of the file at `path` (blocking: call through `offPool`).
private func contents(ofFile path: String) -> [UInt8] {
    let file = fopen(path, "rb")!
    defer { fclose(file) }
    var all: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count == 0 { break }
        all += buffer[..<count]
    }
    return all
}

private func pattern(_ count: Int) -> (bytes: [UInt8], sum: UInt32) {
    let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0) }
    return (bytes, bytes.reduce(UInt32(0)) { $0 &+ UInt32($1) })
}

@Suite("Streaming: request bodies as they arrive")
struct StreamedBodyTests {
    @Test("a Content-Length body over the server's limit streams whole to a route that raised its own")
    func contentLength() async throws {
        let (bytes, sum) = pattern(3 << 20)
        try await TestServer.with(routes: ["/up": countingHandler()]) { test throws in
            let response = try await test.request("/up", method: .POST, body: bytes)
            #expect(response.status == 200)
            let fields = response.text.split(separator: " ")
            #expect(fields.count == 3)
            #expect(fields.first == "\(bytes.count)")
            #expect(fields.last == "\(sum)")
            #expect((Int(fields[1]) ?? 0) > 1, "the body arrived in chunks")
        }
    }

    @Test("a chunked body streams chunk by chunk; the connection then serves the next request")
    func chunked() async throws {
        try await TestServer.with(routes: ["/up": countingHandler(), "/after": { _, response in try await response.write(status: 200, body: "after") }]) {
            test throws in
            let client = try await test.connect()
            try await client.send("POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            try await client.send("6\r\n world\r\n0\r\n\r\nGET /after HTTP/1.1\r\nHost: a\r\n\r\n")
            let sum = Array("hello world".utf8).reduce(UInt32(0)) { $0 &+ UInt32($1) }
            let response = try #require(try await client.readResponse())
            #expect(response.text.hasPrefix("11 "))
            #expect(response.text.hasSuffix(" \(sum)"))
            #expect(try await client.readResponse()?.text == "after")
        }
    }

    @Test("a request without a body gives an empty stream")
    func noBody() async throws {
        try await TestServer.with(routes: ["/up": countingHandler()]) { test throws in
            #expect(try await test.request("/up").text == "0 0 0")
        }
    }

    @Test("Expect: 100-continue is answered when the handler starts iterating")
    func expectContinue() async throws {
        let started = Gate()
        let iterate = Gate()
        try await TestServer.with(routes: [
            "/up": { request, response in
                started.open()
                await iterate.wait()
                var text = ""
                for try await chunk in request.bodyChunks { text += String(buffer: chunk) }
                try await response.write(status: 200, body: text)
            }
        ]) { test throws in
            let client = try await test.connect()
            try await client.send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            await started.wait()
            iterate.open()
            let interim = try #require(try await client.readResponse(headOnly: true))
            #expect(interim.status == 100)
            try await client.send("hello")
            #expect(try await client.readResponse()?.text == "hello")
        }
    }

    @Test("while the handler does not take chunks the server stops reading: the client cannot push 256 MiB")
    func backpressure() async throws {
        let taken = Locked(0)
        let release = Gate()
        try await TestServer.with(routes: [
            "/up": { request, response in
                try request.setMaxBodyLength(1 << 30)
                var iterator = request.bodyChunks.makeAsyncIterator()
                if let first = try await iterator.next() { taken.set(first.readableBytes) }
                await release.wait()
                try await response.write(status: 200, body: "stopped")
            }
        ]) { test throws in
            let socket = try await offPool { try RawSocket.connect(port: test.port) }
            let total = 256 << 20
            let sent = try await offPool { () -> Int in
                socket.setSendTimeout(milliseconds: 1500)
                guard socket.send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: \(total)\r\n\r\n") else { return -1 }
                let piece = [UInt8](repeating: 0x61, count: 1 << 20)
                var sent = 0
                while sent < total {
                    let went = socket.sendWhileAccepted(piece)
                    sent += went
                    if went < piece.count { break }  // the send timed out: nobody reads
                }
                return sent
            }
            release.open()
            socket.close()
            // What went is the socket buffers plus about one read on the server: far below what was offered.
            #expect(sent > 0)
            #expect(sent < 64 << 20, "the client pushed \(sent) bytes into a handler that took one chunk")
            #expect(taken.get() <= 1 << 20)
        }
    }

    @Test("reading the body both ways throws bodyMisuse")
    func misuse() async throws {
        let errors = Locked<[String]>([])
        try await TestServer.with(routes: [
            "/whole-then-stream": { request, response in
                _ = try await request.body()
                do {
                    for try await _ in request.bodyChunks {}
                } catch let error as HTTPDError {
                    errors.update { $0.append("\(error)") }
                }
                try await response.write(status: 200, body: "ok")
            },
            "/stream-then-whole": { request, response in
                for try await _ in request.bodyChunks {}
                do {
                    _ = try await request.body()
                } catch let error as HTTPDError {
                    errors.update { $0.append("\(error)") }
                }
                do {
                    try request.setMaxBodyLength(10)
                } catch {
                    errors.update { $0.append("\(error)") }
                }
                try await response.write(status: 200, body: "ok")
            },
        ]) { test throws in
            #expect(try await test.request("/whole-then-stream", method: .POST, body: Array("abc".utf8)).status == 200)
            #expect(try await test.request("/stream-then-whole", method: .POST, body: Array("abc".utf8)).status == 200)
            #expect(errors.get() == [
                "request body misuse: bodyChunks was read after the body was read whole (body())",
                "request body misuse: body() was called after the body was read as a stream (bodyChunks)",
                "request body misuse: setMaxBodyLength(_:) was called after reading of the body began",
            ])
        }
    }

    @Test("a stalled body makes the stream throw requestTimedOut; the client gets 408 and a close")
    func stalled() async throws {
        let caught = Locked<HTTPDError?>(nil)
        let settings = testSettings { $0.requestTimeout = .seconds(1) }
        try await TestServer.with(settings: settings, routes: [
            "/up": { request, response in
                do {
                    for try await _ in request.bodyChunks {}
                } catch let error as HTTPDError {
                    caught.set(error)
                    throw error
                }
            }
        ]) { test throws in
            let client = try await RawClient.connect(port: test.port, sending: "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 408)
            #expect(response.header("Connection") == "close")
            #expect(caught.get() == .requestTimedOut)
            #expect(try await client.isClosedByServer())
        }
    }

    @Test("a client that goes away mid-body makes the stream throw connectionClosed")
    func clientGone() async throws {
        let caught = Locked<HTTPDError?>(nil)
        let gotSome = Gate()
        try await TestServer.with(routes: [
            "/up": { request, response in
                do {
                    for try await _ in request.bodyChunks { gotSome.open() }
                } catch let error as HTTPDError {
                    caught.set(error)
                    throw error
                }
            }
        ]) { test throws in
            let socket = try await offPool { try RawSocket.connect(port: test.port) }
            _ = try await offPool { socket.send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc") }
            await gotSome.wait()
            try await offPool { socket.reset() }
            #expect(await eventually { caught.get() != nil })
            #expect(caught.get() == .connectionClosed)
        }
    }

    @Test("writeBody(toFile:) stores the body and returns its length")
    func toFile() async throws {
        let path = "/tmp/httpd-upload-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(path) }
        let (bytes, _) = pattern(5 << 20 + 17)
        try await TestServer.with(routes: [
            "/up": { request, response in
                try request.setMaxBodyLength(16 << 20)
                let written = try await request.writeBody(toFile: path)
                try await response.write(status: 200, body: "\(written)")
            }
        ]) { test throws in
            #expect(try await test.request("/up", method: .POST, body: bytes).text == "\(bytes.count)")
            let stored = try await offPool { contents(ofFile: path) }
            #expect(stored == bytes)
        }
    }

    @Test("writeBody(toFile:) stores a chunked body of thousands of tiny chunks, in order")
    func toFileTinyChunks() async throws {
        let path = "/tmp/httpd-upload-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(path) }
        let (bytes, _) = pattern(3_000 * 7 + 5)
        var wire = Array("POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".utf8)
        var offset = 0
        while offset < bytes.count {
            let size = min(1 + offset % 13, bytes.count - offset)  // 1 to 13 bytes: thousands of chunks gathered into one write
            wire += Array("\(String(size, radix: 16))\r\n".utf8) + bytes[offset..<offset + size] + [13, 10]
            offset += size
        }
        wire += Array("0\r\n\r\n".utf8)
        try await TestServer.with(routes: [
            "/up": { request, response in
                let written = try await request.writeBody(toFile: path)
                try await response.write(status: 200, body: "\(written)")
            }
        ]) { test throws in
            let client = try await RawClient.connect(port: test.port)
            try await client.send(wire)
            let answer = try await client.readResponse()
            #expect(answer?.status == 200)
            #expect(answer.map { String(decoding: $0.body, as: UTF8.self) } == "\(bytes.count)")
            let stored = try await offPool { contents(ofFile: path) }
            #expect(stored == bytes)
        }
    }
}
