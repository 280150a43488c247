// The fuzz harness: arbitrary bytes through the server's own connection pipeline, on an EmbeddedChannel.
//
// Compiled where `@testable import HTTPD` works: debug builds (SwiftPM's default, with testing enabled)
// and the fuzz build (`scripts/fuzz`, which passes `-enable-testing -DHTTPD_FUZZ`).
#if DEBUG || HTTPD_FUZZ
@testable import HTTPD
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1

/// One fuzz input: an options byte, then the bytes a client sends on one connection.
///
/// The options byte picks how the bytes are cut into reads (bits 1-2: all at once, 1, 7 or 64 bytes),
/// whether the server runs with small limits or the reference defaults (bit 3), and whether a timeout
/// expires once the client has sent everything (bit 0): the request timeout, or the response one (bit 4),
/// and whether the client reads its answers only once the server stops taking its bytes (bit 5: the
/// channel starts unwritable, and becomes writable when the server holds reading back). `run` traps (so
/// libFuzzer reports a crash) when an invariant breaks.
enum FuzzHarness {
    /// A server that exists only so `ServerContext` has one (`HTTPServer.current` inside handlers); the
    /// fuzzed connections never reach its socket.
    static let server: HTTPServer = {
        let semaphore = DispatchSemaphore(value: 0)
        let box = ServerBox()
        Task {
            box.server = try? await HTTPServer.start(logger: quietLogger, addresses: ["127.0.0.1:0"])
            semaphore.signal()
        }
        semaphore.wait()
        guard let server = box.server else { fatalError("cannot start the fuzz harness's server") }
        return server
    }()

    static let quietLogger: Logger = {
        var logger = Logger(label: "httpd-fuzz")
        logger.logLevel = .critical
        return logger
    }()

    /// `HTTPDFUZZ_PRINT=1` prints what the server sent for each input (for replays).
    static let printsOutput = getenv("HTTPDFUZZ_PRINT") != nil

    /// The settings for an input: small limits (so short inputs reach them) or the reference defaults.
    ///
    /// The embedded loop's clock only moves when the harness moves it, and the connection checks its
    /// timeouts against the real clock: one timeout is 1 ns (it runs out as soon as the loop's clock is
    /// moved on), the other two hours (it never runs out during a run).
    static func settings(referenceLimits: Bool, expiringResponse: Bool) -> HTTPSettings {
        var settings = HTTPSettings(
            requestTimeout: .nanoseconds(1), responseTimeout: .nanoseconds(1), maxRequestHeaders: 8,
            maxTokenLength: 64, maxRequestBodyLength: 128, inputBufferSize: 64, outputBufferSize: 32)
        if referenceLimits {
            settings = HTTPSettings.referenceDefaults
            settings.traceEnabled = true
        }
        settings.requestTimeout = expiringResponse ? .seconds(7200) : .nanoseconds(1)
        settings.responseTimeout = expiringResponse ? .nanoseconds(1) : .seconds(7200)
        return settings
    }

    /// Runs one input; traps when an invariant breaks.
    static func run(_ data: UnsafeBufferPointer<UInt8>) {
        guard let options = data.first else { return }
        let wire = Array(data.dropFirst())
        checkPureFunctions(wire)
        checkConnection(wire, options: options)
    }

    // MARK: The request-head helpers

    /// `RequestTarget.split`, `TitleCase.apply` and `QueryDecoder` on every line of the input.
    static func checkPureFunctions(_ wire: [UInt8]) {
        for line in wire.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).prefix(64) {
            let text = String(decoding: line, as: UTF8.self)
            let (path, params) = RequestTarget.split(text)
            require(!path.isEmpty, "split gave an empty path for \(text.debugDescription)")
            if text.hasPrefix("/") {
                let joined = path + (params.map { "?" + $0 } ?? "")
                require(joined == text, "split of \(text.debugDescription) does not rejoin: \(joined.debugDescription)")
            }
            if let params { require(!params.isEmpty || text.contains("?"), "params without a ?") }

            let titled = TitleCase.apply(text)
            require(titled.utf8.count == text.utf8.count, "TitleCase changed the length of \(text.debugDescription)")
            require(TitleCase.apply(titled) == titled, "TitleCase is not idempotent on \(text.debugDescription)")
            require(
                zip(titled.utf8, text.utf8).allSatisfy { lowered($0) == lowered($1) },
                "TitleCase changed more than letter case in \(text.debugDescription)")

            let pairs = QueryDecoder.pairs(text)
            require(pairs.count <= text.utf8.filter { $0 == UInt8(ascii: "&") }.count + 1, "more pairs than & allows")
            let decoded = QueryDecoder.decode(text)
            if !text.utf8.contains(UInt8(ascii: "%")), !text.utf8.contains(UInt8(ascii: "+")) {
                require(decoded == text, "decode changed text without escapes: \(text.debugDescription)")
            }
            require(decoded.utf8.count <= text.utf8.count + 2 * text.utf8.count, "decode grew the text")
        }
    }

    private static func lowered(_ byte: UInt8) -> UInt8 {
        byte >= 65 && byte <= 90 ? byte + 32 : byte
    }

    // MARK: The connection

    static func checkConnection(_ wire: [UInt8], options: UInt8) {
        let expireTimeouts = options & 1 != 0
        let segment = [Int.max, 1, 7, 64][Int(options >> 1) & 3]
        let settings = settings(referenceLimits: options & 8 != 0, expiringResponse: options & 16 != 0)
        let stallsOutput = options & 32 != 0

        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        let recorder = Recorder()
        let mux = DefaultHTTPMux(default: recorder.wrap(routes))
        let context = ServerContext(server: server, mux: mux, settings: settings, logger: quietLogger, group: loop)
        let demand = ReadDemand()
        weak var connectionHandler: HTTPConnection?
        do {
            try Listener.addHandlers(to: channel, serverContext: context)
            let connection = try channel.pipeline.syncOperations.handler(type: HTTPConnection.self)
            connectionHandler = connection
            try channel.pipeline.syncOperations.addHandler(HeadRecorder(recorder), position: .before(connection))
            try channel.pipeline.syncOperations.addHandler(demand, position: .first)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4321)).wait()
        } catch {
            fatalError("cannot build the pipeline: \(error)")
        }

        // Feed the bytes the way a socket channel with autoRead does: one read per read() the pipeline
        // asks for, so the connection's backpressure works as it does on a real socket.
        var output: [UInt8] = []
        var offset = 0
        /// The client starts reading what the server answered: the channel drains and is writable again.
        func clientReads() {
            guard !channel.isWritable else { return }
            channel.isWritable = true
            channel.pipeline.fireChannelWritabilityChanged()
            loop.run()
        }
        if stallsOutput {
            channel.isWritable = false
            channel.pipeline.fireChannelWritabilityChanged()
        }
        channel.read()
        while offset < wire.count, channel.isActive {
            loop.run()
            if !demand.take() {
                // A server that holds reading back while its output does not drain is waiting for this.
                guard !channel.isWritable else { break }
                clientReads()
                guard demand.take() else { break }
            }
            let end = min(wire.count, offset + min(segment, wire.count - offset))
            var buffer = channel.allocator.buffer(capacity: end - offset)
            buffer.writeBytes(wire[offset..<end])
            offset = end
            _ = try? channel.writeInbound(buffer)
            loop.run()
            drain(channel, into: &output)
            if channel.isActive { channel.read() }
        }
        loop.run()
        drain(channel, into: &output)
        if channel.isActive { clientReads() }
        drain(channel, into: &output)
        if expireTimeouts, channel.isActive {
            // The client sent everything and waits: the short timeout runs out.
            loop.advanceTime(to: .now() + .seconds(3600))
            loop.run()
            drain(channel, into: &output)
        }
        if channel.isActive {
            // A lingering close runs out.
            loop.advanceTime(by: .seconds(10))
            drain(channel, into: &output)
        }
        let closedByServer = !channel.isActive
        // The client goes away. What the server writes after that never reaches anyone (on a socket
        // the writes fail), so it is not checked.
        _ = try? channel.finish(acceptAlreadyClosed: true)
        loop.run()

        if printsOutput {
            let text = String(decoding: output, as: UTF8.self).debugDescription
            print("requests \(recorder.heads), closed by server: \(closedByServer), handlers started \(recorder.handlersStarted), finished \(recorder.handlersFinished)\n\(text)\n")
            fflush(nil)
        }
        let sentClose = checkResponses(output, requests: recorder.heads)
        require(closedByServer || !sentClose, "a whole response said Connection: close but the connection stayed open")
        require(
            recorder.handlersStarted == recorder.handlersFinished,
            "\(recorder.handlersStarted - recorder.handlersFinished) handler(s) still running after the connection closed")
        try? loop.syncShutdownGracefully()
        if !allowsLeaks {
            require(connectionHandler == nil, "the connection's handler outlived its channel (a reference cycle leaks every connection)")
        }
    }

    /// `HTTPDFUZZ_ALLOW_LEAKS=1` skips the check that a closed connection's handler is freed.
    static let allowsLeaks = getenv("HTTPDFUZZ_ALLOW_LEAKS") != nil

    private static func drain(_ channel: EmbeddedChannel, into output: inout [UInt8]) {
        while let part = try? channel.readOutbound(as: IOData.self) {
            switch part {
            case .byteBuffer(let buffer): output += buffer.readableBytesView
            case .fileRegion: fatalError("no fuzz route sends a file")
            }
        }
    }

    // MARK: Handlers

    /// The routes every fuzz connection serves, chosen by path.
    static let routes: HTTPHandler = { request, response in
        _ = request.headers
        _ = request.query
        _ = request.header("x-a")
        switch request.path {
        case "/echo":
            let body = try await request.body() ?? []
            try await response.write(status: 200, headers: [("Content-Type", "application/octet-stream")], body: body)
        case "/text":
            let text = try await request.bodyText() ?? ""
            try await response.write(status: 200, body: "\(text.count) \(request.query.count) \(request.headers.count)")
        case "/stream":
            try await response.begin(status: 200, headers: [("X-Stream", "yes")])
            try await response.chunk(request.params ?? "")
            try await response.chunk("")
            if let body = try? await request.body() { try await response.chunk(body) }
            try await response.end()
        case "/stream-unended":
            try await response.begin(status: 201)
            try await response.chunk("a")
        case "/throw":
            throw FuzzError()
        case "/throw-late":
            try await response.begin(status: 200)
            try await response.chunk("partial")
            try await response.forceOutput()
            throw FuzzError()
        case "/silent":
            break
        case "/bad-header":
            for header in [("X-A", "a\r\nb"), ("X-B", "a\0b"), ("X\nC", "c"), ("", "d"), ("X D", "e")] {
                do {
                    try await response.write(status: 200, headers: [header], body: "leak")
                    fatalError("a header with a forbidden character was accepted: \(header)")
                } catch HTTPDError.invalidHeader {}
            }
            try await response.write(status: 200, body: "clean")
        case "/204":
            try await response.write(status: 204, headers: [("Content-Length", "5")], body: "body!")
        case "/304":
            try await response.begin(status: 304)
            try await response.chunk("body!")
            try await response.end()
        case "/length":
            try await response.write(status: 200, headers: [("Content-Length", "1000"), ("Transfer-Encoding", "gzip")], body: "short")
        case "/close":
            try await response.write(status: 200, headers: [("Connection", "close")], body: "bye")
        default:
            try await response.write(status: 200, body: "ok")
        }
    }

    // MARK: The invariants on what the server sent

    /// Every response is well-formed (status line, header lines, a body framed the way the head says);
    /// nothing follows a response that says `Connection: close`; there is at most one response per
    /// request head, plus one for a request the server could not parse.
    /// Returns whether a whole response said `Connection: close`.
    @discardableResult
    static func checkResponses(_ bytes: [UInt8], requests: [HTTPMethod]) -> Bool {
        var index = 0
        var sentClose = false
        var answered = 0
        func fail(_ message: String) -> Never {
            let text = String(decoding: bytes, as: UTF8.self)
            fatalError("bad output: \(message)\nrequests: \(requests)\noutput: \(text.debugDescription)")
        }
        while index < bytes.count {
            guard let headEnd = find([13, 10, 13, 10], in: bytes, from: index) else { fail("a response head is cut off") }
            let lines = bytes[index..<headEnd + 2].split(separator: 10, omittingEmptySubsequences: false).dropLast()
            index = headEnd + 4
            guard let statusLine = lines.first, statusLine.last == 13 else { fail("no CRLF after the status line") }
            let status = parseStatusLine(Array(statusLine.dropLast()))
            guard let status else { fail("bad status line \(String(decoding: statusLine, as: UTF8.self).debugDescription)") }
            var headers: [(name: String, value: String)] = []
            for line in lines.dropFirst() {
                guard line.last == 13 else { fail("a header line without CRLF") }
                let content = line.dropLast()
                guard let colon = content.firstIndex(of: UInt8(ascii: ":")) else { fail("a header line without a colon") }
                let name = String(decoding: content[..<colon], as: UTF8.self)
                let value = content[content.index(after: colon)...]
                guard ResponseHead.isToken(name) else { fail("header name \(name.debugDescription) is not a token") }
                guard value.first == UInt8(ascii: " "), value.dropFirst().allSatisfy({ $0 == 9 || ($0 >= 32 && $0 != 127) })
                else { fail("header \(name) has a bad value") }
                headers.append((name, String(decoding: value.dropFirst(), as: UTF8.self)))
            }
            func values(_ name: String) -> [String] {
                headers.filter { $0.name.lowercased() == name }.map(\.value)
            }
            if status == 100 {
                guard headers.isEmpty else { fail("100 Continue with headers") }
                continue
            }
            guard status >= 200 else { fail("unexpected interim status \(status)") }
            let method: HTTPMethod? = answered < requests.count ? requests[answered] : nil
            answered += 1
            guard answered <= requests.count + 1 else { fail("more responses than requests") }
            let closes = values("connection").contains { $0.lowercased() == "close" }
            var complete = true
            if method == nil {
                guard closes, status >= 400 else { fail("an answer to no request that does not close: \(status)") }
            }
            let lengths = values("content-length")
            let encodings = values("transfer-encoding")
            guard lengths.count <= 1, encodings.count <= 1, lengths.isEmpty || encodings.isEmpty else {
                fail("conflicting framing headers")
            }
            if status == 204 || status == 304 {
                guard lengths.isEmpty, encodings.isEmpty else { fail("\(status) with framing headers") }
            } else if method == .HEAD {
                // Headers only, also for the server's own error answers.
            } else if let length = lengths.first {
                guard let length = Int(length), length >= 0 else { fail("bad Content-Length \(length)") }
                guard bytes.count - index >= length else {
                    // Cut off when the connection closed on it (a timeout, a throwing handler, the client
                    // going away at the end of the input): nothing follows.
                    index = bytes.count
                    break
                }
                index += length
            } else if let encoding = encodings.first {
                guard encoding == "chunked" else { fail("Transfer-Encoding \(encoding)") }
                switch skipChunkedBody(bytes, from: index) {
                case .some(let end): index = end
                case .none:
                    // Cut off, or malformed: what was sent must be a well-formed beginning.
                    guard isChunkedPrefix(bytes, from: index) else { fail("a malformed chunked body") }
                    index = bytes.count
                    complete = false
                }
            } else {
                guard closes else { fail("a body delimited by nothing but the connection stays open") }
                index = bytes.count
                complete = false
            }
            if closes, index < bytes.count { fail("bytes after a response that closes the connection") }
            if closes, complete { sentClose = true }
        }
        return sentClose
    }

    /// `HTTP/1.1 NNN reason`: the status, or nil.
    private static func parseStatusLine(_ line: [UInt8]) -> Int? {
        let prefix = Array("HTTP/1.1 ".utf8)
        guard line.count >= 13, line.starts(with: prefix), line[12] == UInt8(ascii: " ") else { return nil }
        let digits = line[9..<12]
        guard digits.allSatisfy({ $0 >= 48 && $0 <= 57 }), digits.first != 48 else { return nil }
        guard line[13...].allSatisfy({ $0 == 9 || ($0 >= 32 && $0 != 127) }) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 48) }
    }

    /// Whether the bytes from `start` to the end are the beginning of a well-formed chunked body.
    private static func isChunkedPrefix(_ bytes: [UInt8], from start: Int) -> Bool {
        var index = start
        while index < bytes.count {
            guard let lineEnd = find([13, 10], in: bytes, from: index) else {
                return bytes[index...].allSatisfy { hexValue($0) != nil || $0 == 13 }
            }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self)
            guard !sizeText.isEmpty, let size = Int(sizeText, radix: 16), size >= 0 else { return false }
            index = lineEnd + 2
            if size == 0 { return bytes.count - index <= 2 && bytes[index...].elementsEqual([13, 10].prefix(bytes.count - index)) }
            if bytes.count - index < size + 2 {
                let tail = bytes[min(bytes.count, index + size)...]
                return tail.elementsEqual([13, 10].prefix(tail.count))
            }
            guard bytes[index + size] == 13, bytes[index + size + 1] == 10 else { return false }
            index += size + 2
        }
        return true
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 65...70: return byte - 55
        case 97...102: return byte - 87
        default: return nil
        }
    }

    /// The index after a well-formed chunked body starting at `start`, or nil.
    private static func skipChunkedBody(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while true {
            guard let lineEnd = find([13, 10], in: bytes, from: index) else { return nil }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self)
            guard !sizeText.isEmpty, let size = Int(sizeText, radix: 16), size >= 0 else { return nil }
            index = lineEnd + 2
            if size == 0 {
                guard bytes.count - index >= 2, bytes[index] == 13, bytes[index + 1] == 10 else { return nil }
                return index + 2
            }
            guard bytes.count - index >= size + 2, bytes[index + size] == 13, bytes[index + size + 1] == 10 else {
                return nil
            }
            index += size + 2
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count - start >= needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError(message()) }
    }
}

struct FuzzError: Error {}

/// Holds the server while the harness starts it.
private final class ServerBox: @unchecked Sendable {
    var server: HTTPServer?
}

/// What happened on one fuzzed connection. Touched only on the fuzzer's thread (the embedded loop's).
final class Recorder: @unchecked Sendable {
    /// The method of every request head the decoder passed on, in order.
    var heads: [HTTPMethod] = []
    var handlersStarted = 0
    var handlersFinished = 0

    func wrap(_ handler: @escaping HTTPHandler) -> HTTPHandler {
        { request, response in
            self.handlersStarted += 1
            defer { self.handlersFinished += 1 }
            try await handler(request, response)
        }
    }
}

/// Watches the request heads go from NIOHTTP1's decoder to the connection.
final class HeadRecorder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    let recorder: Recorder

    init(_ recorder: Recorder) {
        self.recorder = recorder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { recorder.heads.append(head.method) }
        context.fireChannelRead(data)
    }
}

/// Sits where the socket would be and notes when the pipeline asks for a read.
final class ReadDemand: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = Any
    private var wanted = false

    func read(context: ChannelHandlerContext) {
        wanted = true
    }

    /// Whether a read was asked for since the last call.
    func take() -> Bool {
        defer { wanted = false }
        return wanted
    }
}
#endif
