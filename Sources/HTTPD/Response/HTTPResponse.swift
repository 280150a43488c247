#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore
import NIOPosix

/// The response to one request, as its handler writes it (`http-response-…`).
///
/// Answer once, in one of three ways: `write(status:headers:body:)` for a whole response,
/// `begin`/`chunk`/`end` to stream one (chunked for HTTP/1.1 clients), or `file(headers:path:)`.
/// A second answer throws `HTTPDError.responseAlreadyStarted`. `Content-Length`, `Transfer-Encoding`
/// and `Connection` are set by the server to match how the body is really sent; handler values for
/// them are ignored (a handler's `Connection: close` still closes the connection after the response).
/// Header names must be tokens and values free of CR, LF and NUL, or the call throws `invalidHeader`
/// and nothing is sent. Responses to `HEAD` carry the headers `GET` would get and no body; 204 and 304
/// responses carry no body.
public final class HTTPResponse: @unchecked Sendable {
    let exchange: Exchange
    /// Streamed output not yet handed to the connection.
    @exclusivity(unchecked) private var output = ByteBuffer()
    @exclusivity(unchecked) private var outputLimit: Int

    /// The status sent, once the response has begun (for access logs).
    public var status: Int? { exchange.responseStatus }
    /// Body bytes sent so far, not counting the head (for access logs).
    public private(set) var bytesSent: Int {
        get { exchange.responseBodyBytes }
        set { exchange.responseBodyBytes = newValue }
    }
    /// The headers the response was written or begun with.
    @exclusivity(unchecked) private var sentHeaders: [(name: String, value: String)] = []

    init(exchange: Exchange) {
        self.exchange = exchange
        self.outputLimit = exchange.connection.serverContext.settings.outputBufferSize
    }

    private var connection: HTTPConnection { exchange.connection }

    // MARK: Whole responses

    /// Sends a whole response with a text body (UTF-8) and a `Content-Length` (`http-response-write`).
    /// Without a `Content-Type` header, the body goes out as `text/plain; charset=utf-8`.
    nonisolated(nonsending) public func write(status: Int, headers: [(name: String, value: String)] = [], body: String) async throws {
        guard Self.hasContentType(headers) || !ResponseHead.allowsBody(status) else {
            try await write(status: status, headers: headers + [("Content-Type", "text/plain; charset=utf-8")], body: body)
            return
        }
        try await onLoop { () throws(HTTPDError) in try self.writeWhole(status: status, headers: headers, body: body) }
    }

    /// Whether `headers` has a `Content-Type`: `==` first, so the usual spelling costs a comparison of
    /// two small strings, not a byte loop.
    @inline(__always)
    private static func hasContentType(_ headers: [(name: String, value: String)]) -> Bool {
        for header in headers where header.name == "Content-Type" || ResponseHead.equalsIgnoringCase(header.name, "content-type") {
            return true
        }
        return false
    }

    /// Sends a whole response with a byte body and a `Content-Length`.
    nonisolated(nonsending) public func write(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8]) async throws {
        try await onLoop { () throws(HTTPDError) in try self.writeWhole(status: status, headers: headers, body: body) }
    }

    /// Sends a whole response with a body from any byte sequence (`ArraySlice`, `Data`, a `ByteBuffer` view, …).
    nonisolated(nonsending) public func write(status: Int, headers: [(name: String, value: String)] = [], body: some Sequence<UInt8> & Sendable)
        async throws
    {
        let bytes = Array(body)
        try await write(status: status, headers: headers, body: bytes)
    }

    /// Sends a response without a body (`Content-Length: 0` where the status allows a body).
    nonisolated(nonsending) public func write(status: Int, headers: [(name: String, value: String)] = []) async throws {
        try await onLoop { () throws(HTTPDError) in try self.writeWhole(status: status, headers: headers, body: NoBody()) }
    }

    private func writeWhole(
        status: Int, headers: [(name: String, value: String)], body: some ResponseBodyBytes
    ) throws(HTTPDError) -> EventLoopFuture<Void>? {
        guard case .notStarted = exchange.response else { throw .responseAlreadyStarted }
        let sendsBody = ResponseHead.allowsBody(status)
        let length = body.responseByteCount
        var buffer = try encodeHead(
            status: status, headers: headers, framing: sendsBody ? .length(length) : .none, extraCapacity: length)
        if sendsBody, !exchange.isHead {
            body.writeResponseBytes(into: &buffer)
            bytesSent = length
        }
        return try connection.send(.byteBuffer(buffer), for: exchange, finishesResponse: true)
    }

    // MARK: Streamed responses

    /// Starts a streamed response (`http-response-begin`): chunked for HTTP/1.1, until-close for HTTP/1.0,
    /// DATA frames on an HTTP/2 stream.
    ///
    /// The head is buffered with the first chunks and sent when `outputBufferSize` bytes are waiting,
    /// on `forceOutput()`, or on `end()`.
    nonisolated(nonsending) public func begin(status: Int, headers: [(name: String, value: String)] = []) async throws {
        try await onLoop { () throws(HTTPDError) -> EventLoopFuture<Void>? in
            guard case .notStarted = self.exchange.response else { throw .responseAlreadyStarted }
            let framing: BodyFraming =
                !ResponseHead.allowsBody(status)
                ? .none
                : self.connection.wire == .http2Stream ? .streamEnd : self.exchange.isHTTP10 ? .untilClose : .chunked
            self.output = try self.encodeHead(status: status, headers: headers, framing: framing, extraCapacity: 0)
            self.exchange.response = .streaming(framing)
            return nil
        }
    }

    /// Sends `text[start..<end]` (UTF-8 byte offsets; the whole text by default) as the next part of a
    /// streamed response (`http-response-chunk`). An empty range sends nothing.
    nonisolated(nonsending) public func chunk(_ text: String, start: Int = 0, end: Int? = nil) async throws {
        try await chunk(Array(text.utf8), start: start, end: end)
    }

    /// Sends `bytes[start..<end]` (the whole array by default) as the next part of a streamed response.
    /// An empty range sends nothing.
    nonisolated(nonsending) public func chunk(_ bytes: [UInt8], start: Int = 0, end: Int? = nil) async throws {
        try await onLoop { () throws(HTTPDError) in try self.appendChunk(bytes, start: start, end: end ?? bytes.count) }
    }

    /// Sends any byte sequence as the next part of a streamed response.
    nonisolated(nonsending) public func chunk(_ bytes: some Sequence<UInt8> & Sendable) async throws {
        try await chunk(Array(bytes))
    }

    private func appendChunk(_ bytes: [UInt8], start: Int, end: Int) throws(HTTPDError) -> EventLoopFuture<Void>? {
        let framing = try streamingFraming()
        guard start >= 0, start <= end, end <= bytes.count else {
            throw .invalidRange(start: start, end: end, count: bytes.count)
        }
        let count = end - start
        guard count > 0, carriesBody(framing) else { return nil }
        if case .chunked = framing {
            output.writeString(String(count, radix: 16))
            output.writeStaticString("\r\n")
            output.writeBytes(bytes[start..<end])
            output.writeStaticString("\r\n")
        } else {
            output.writeBytes(bytes[start..<end])
        }
        bytesSent += count
        guard output.readableBytes >= outputLimit else { return nil }
        return try sendOutput(finishing: false)
    }

    /// Ends a streamed response (`http-response-end`), sending what is buffered and the final chunk.
    nonisolated(nonsending) public func end() async throws {
        try await onLoop { () throws(HTTPDError) in try self.finishStream() }
    }

    private func finishStream() throws(HTTPDError) -> EventLoopFuture<Void>? {
        let framing = try streamingFraming()
        if case .chunked = framing, !exchange.isHead {
            output.writeStaticString("0\r\n\r\n")
        }
        return try sendOutput(finishing: true)
    }

    /// Sends what a streamed response has buffered now (`http-response-force-output`).
    nonisolated(nonsending) public func forceOutput() async throws {
        try await onLoop { () throws(HTTPDError) -> EventLoopFuture<Void>? in
            _ = try self.streamingFraming()
            guard self.output.readableBytes > 0 else { return nil }
            return try self.sendOutput(finishing: false)
        }
    }

    private func streamingFraming() throws(HTTPDError) -> BodyFraming {
        switch exchange.response {
        case .notStarted: throw .responseNotBegun
        case .finished: throw .responseAlreadyEnded
        case .sendingFile: throw .responseAlreadyStarted
        case .streaming(let framing): return framing
        }
    }

    private func carriesBody(_ framing: BodyFraming) -> Bool {
        if case .none = framing { return false }
        return !exchange.isHead
    }

    private func sendOutput(finishing: Bool) throws(HTTPDError) -> EventLoopFuture<Void>? {
        let buffer = output
        output = ByteBuffer()
        return try connection.send(.byteBuffer(buffer), for: exchange, finishesResponse: finishing)
    }

    // MARK: Files

    /// Sends the file at `path` with `Content-Length`, zero-copy (`http-response-file`).
    ///
    /// Throws `HTTPDError.fileNotFound` (a handler that lets it escape answers 404) when there is no
    /// regular file at `path`, and `.fileNotReadable` (403) when it may not be read.
    nonisolated(nonsending) public func file(headers: [(name: String, value: String)] = [], path: String) async throws {
        let file = try await OpenFile.open(path)
        try await send(file, status: 200, headers: headers, offset: 0, length: file.size)
    }

    /// Sends `length` bytes of the file at `path` from `offset` as the body, zero-copy, with `status`.
    nonisolated(nonsending) func sendFile(status: Int, headers: [(name: String, value: String)], path: String, offset: Int64, length: Int64)
        async throws
    {
        let file = try await OpenFile.open(path)
        try await send(file, status: status, headers: headers, offset: offset, length: min(length, file.size - offset))
    }

    /// Sends part of an open file, in slices so a slow client's progress keeps the response timeout at bay;
    /// closes the file once it is sent or the sending failed.
    nonisolated(nonsending) private func send(_ file: OpenFile, status: Int, headers: [(name: String, value: String)], offset: Int64, length: Int64)
        async throws
    {
        let length = max(0, length)
        let lastWrite = connection.eventLoop.makePromise(of: Void.self)
        let connection = self.connection
        // A transport that must see the bytes (TLS) takes the file in chunks read here, not as regions.
        let regions = connection.transport.allowsFileRegions
        lastWrite.futureResult.whenComplete { _ in
            file.close()
            if regions { connection.setCorked(false) }
        }
        do {
            try await onLoop { () throws(HTTPDError) -> EventLoopFuture<Void>? in
                guard case .notStarted = self.exchange.response else { throw .responseAlreadyStarted }
                let sendsBody = length > 0 && ResponseHead.allowsBody(status) && !self.exchange.isHead
                if sendsBody, regions { self.connection.setCorked(true) }
                let head = try self.encodeHead(
                    status: status, headers: headers,
                    framing: ResponseHead.allowsBody(status) ? .length(Int(length)) : .none, extraCapacity: 0)
                if sendsBody { self.exchange.response = .sendingFile }
                return try self.connection.send(
                    .byteBuffer(head), for: self.exchange, finishesResponse: !sendsBody, promise: sendsBody ? nil : lastWrite)
            }
            var position = offset
            let end = offset + length
            if !regions {
                try await sendChunks(of: file, from: offset, to: end, lastWrite: lastWrite)
                return
            }
            while case .sendingFile = exchange.response, position < end {
                let slice = FileRegion(
                    fileHandle: file.handle, readerIndex: Int(position), endIndex: Int(min(end, position + OpenFile.sliceSize)))
                position += Int64(slice.readableBytes)
                let last = position == end
                try await onLoop { () throws(HTTPDError) -> EventLoopFuture<Void>? in
                    self.bytesSent += slice.readableBytes
                    return try self.connection.send(
                        .fileRegion(slice), for: self.exchange, finishesResponse: last, promise: last ? lastWrite : nil)
                }
            }
        } catch {
            lastWrite.fail(error)
            throw error
        }
    }

    /// Sends the file's bytes from `start` to `end` as buffers of `fileChunkSize`, for transports that
    /// cannot take a `FileRegion` (TLS): each chunk is read on NIO's thread pool once the one before it
    /// was handed over and the client keeps up (the channel is writable), so a connection holds about
    /// one chunk and the channel's high-water mark, however large the file and however slow the client.
    nonisolated(nonsending) private func sendChunks(of file: OpenFile, from start: Int64, to end: Int64, lastWrite: EventLoopPromise<Void>)
        async throws
    {
        let allocator = connection.allocator
        var position = start
        while case .sendingFile = exchange.response, position < end {
            let count = Int(min(end - position, Self.fileChunkSize))
            let chunk = try await Self.read(file, offset: position, count: count, allocator: allocator)
            position += Int64(count)
            let last = position == end
            try await onLoop { () throws(HTTPDError) -> EventLoopFuture<Void>? in
                self.bytesSent += count
                return try self.connection.send(
                    .byteBuffer(chunk), for: self.exchange, finishesResponse: last, promise: last ? lastWrite : nil)
            }
        }
    }

    /// How much of a file one read takes when it cannot go out as a `FileRegion`.
    static let fileChunkSize: Int64 = 64 << 10

    /// Exactly `count` bytes of `file` from `offset`, read with `pread` on NIO's thread pool; throws
    /// `fileNotReadable` when the file ends sooner (it was truncated while being sent).
    private static func read(_ file: OpenFile, offset: Int64, count: Int, allocator: ByteBufferAllocator) async throws -> ByteBuffer {
        try await NIOThreadPool.singleton.runIfActive { () throws -> ByteBuffer in
            var buffer = allocator.buffer(capacity: count)
            try file.handle.withUnsafeFileDescriptor { descriptor in
                var done = 0
                while done < count {
                    let want = count - done
                    let at = off_t(offset) + off_t(done)
                    done += try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { target in
                        let got = pread(descriptor, target.baseAddress!, want, at)
                        if got < 0, errno == EINTR { return 0 }
                        guard got > 0 else { throw HTTPDError.fileNotReadable("the file being sent (it ended early)") }
                        return got
                    }
                }
            }
            return buffer
        }
    }

    /// The value of the first header called `name` (compared without case) that the response was
    /// written or begun with, or nil (also before it was).
    public func header(_ name: String) -> String? {
        sentHeaders.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    // MARK: Settings

    /// Changes this connection's response timeout (`http-response-timeout-set!`): the longest a response
    /// may make no progress because the handler or the client is not moving.
    public func setTimeout(_ timeout: Duration) {
        exchange.onLoop { $0.setResponseTimeout(timeout) }
    }

    // MARK: Internals

    /// Encodes the status line and headers into a new buffer, after checking them.
    private func encodeHead(
        status: Int, headers: [(name: String, value: String)], framing: BodyFraming, extraCapacity: Int
    ) throws(HTTPDError) -> ByteBuffer {
        guard status >= 200, status <= 999 else { throw .invalidStatus(status) }
        if _slowPath(connection.wire == .http2Stream) {
            // The head goes out as a HEADERS frame with the first body bytes (`HTTPConnection.send`).
            exchange.pendingHTTP2Head = try ResponseHead.http2Head(
                status: status, headers: headers, framing: framing, date: connection.executor.dateCache.current)
            exchange.responseStatus = status
            sentHeaders = headers
            return connection.allocator.buffer(capacity: extraCapacity)
        }
        var buffer = connection.allocator.buffer(capacity: 160 + headers.count * 40 + extraCapacity)
        let requests = try ResponseHead.appendStatusAndHeaders(status: status, headers: headers, into: &buffer)
        let untilClose: Bool
        if case .untilClose = framing { untilClose = !exchange.isHead } else { untilClose = false }
        let connectionHeader = connection.connectionHeader(
            for: exchange, handlerAskedClose: requests.close, untilClose: untilClose)
        ResponseHead.appendClosingHeaders(
            requests: requests, framing: framing, connection: connectionHeader,
            date: connection.executor.dateCache.current, into: &buffer)
        exchange.responseStatus = status
        sentHeaders = headers
        return buffer
    }

    /// Runs `body` on the connection's event loop (directly when already there), then waits for the
    /// client to catch up if `body` says it must.
    @inline(__always)
    nonisolated(nonsending) private func onLoop(_ body: @escaping @Sendable () throws(HTTPDError) -> EventLoopFuture<Void>?) async throws {
        let loop = connection.eventLoop
        if loop.inEventLoop {
            if let backpressure = try body() { try await backpressure.get() }
            return
        }
        let backpressure = try await loop.submit { () throws -> EventLoopFuture<Void>? in try body() }.get()
        try await backpressure?.get()
    }

    /// Finishes the exchange after the handler returned or threw: an unanswered request gets an error
    /// status, an unfinished stream is ended, and a stream cut short by an error closes the connection.
    func handlerDidFinish(failure: (any Error)?) {
        let logger = connection.logger
        // A client that went away (or was cut off by a timeout) is not a server error: log it at debug.
        let clientGone: Bool
        if case .connectionClosed? = failure as? HTTPDError { clientGone = true } else { clientGone = connection.phase == .closed }
        switch exchange.response {
        case .notStarted:
            let status: Int
            if let failure {
                status = (failure as? HTTPDError)?.responseStatus ?? 500
                if status == 500, !clientGone {
                    logger.error("handler for \(exchange.head.uri) threw: \(failure)", metadata: connection.logMetadata(for: exchange))
                } else {
                    logger.debug("handler for \(exchange.head.uri) threw: \(failure)", metadata: connection.logMetadata(for: exchange))
                }
            } else {
                status = 500
                logger.warning("handler for \(exchange.head.uri) returned without a response", metadata: connection.logMetadata(for: exchange))
            }
            let text = "\(status) \(StatusReason.phrase(status))\n"
            _ = try? writeWhole(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: text)
        case .streaming, .sendingFile:
            if let failure {
                if clientGone {
                    logger.debug("handler for \(exchange.head.uri) stopped streaming: \(failure)", metadata: connection.logMetadata(for: exchange))
                } else {
                    logger.error("handler for \(exchange.head.uri) threw during a streamed response: \(failure)", metadata: connection.logMetadata(for: exchange))
                    exchange.interruption = .handlerFailed
                }
                connection.closeNow()
            } else {
                _ = try? finishStream()  // a file is only left unsent by a throw
            }
        case .finished:
            if let failure {
                logger.warning("handler for \(exchange.head.uri) threw after responding: \(failure)", metadata: connection.logMetadata(for: exchange))
            }
        }
        if !exchange.responseFinished {
            // The last write failed (the client is gone) or the response was cut short: nothing more
            // can be sent on this connection.
            connection.closeNow()
        }
    }
}

// MARK: Switching protocols

extension HTTPResponse {
    /// Answers `101 Switching Protocols` and hands the connection to another protocol (the hook
    /// `HTTPDWebSocket` upgrades with). On the event loop: `responseHeaders` gives the head's headers
    /// (`Upgrade`, `Connection`, the protocol's own), the head is written, `install` adds the new
    /// protocol's handlers, and the HTTP handlers leave the pipeline (`HTTPConnection.handOver`).
    /// Returns what `install` made. Throws `responseAlreadyStarted` after another answer,
    /// `connectionClosed` when the client is gone, `invalidHeader` for a bad header.
    package func switchProtocols<Result: Sendable>(
        responseHeaders: @escaping @Sendable (any Channel) -> EventLoopFuture<[(name: String, value: String)]>,
        install: @escaping @Sendable (any Channel) throws -> Result
    ) async throws -> Result {
        let exchange = self.exchange
        return try await connection.eventLoop.flatSubmit { () -> EventLoopFuture<Result> in
            let channel: any Channel
            do {
                channel = try self.switchableChannel()
            } catch {
                return exchange.connection.eventLoop.makeFailedFuture(error)
            }
            return responseHeaders(channel).flatMapThrowing { headers in
                _ = try self.switchableChannel()
                let connection = exchange.connection
                var head = connection.allocator.buffer(capacity: 256)
                _ = try ResponseHead.appendStatusAndHeaders(status: 101, headers: headers, into: &head)
                head.writeStaticString("Connection: Upgrade\r\n\r\n")  // the handler's own is left out
                exchange.responseStatus = 101
                self.sentHeaders = headers
                exchange.response = .finished
                connection.writeSwitchingHead(head)
                return try connection.handOver(installing: install)
            }
        }.get()
    }

    /// The channel, while the response has not started and the connection still serves this request.
    private func switchableChannel() throws(HTTPDError) -> any Channel {
        guard case .notStarted = exchange.response else { throw .responseAlreadyStarted }
        // An HTTP/2 stream cannot switch (RFC 9113 §8.6: no `Upgrade`; NIOHTTP2 refuses such requests).
        guard connection.wire == .http1 else { throw .connectionClosed }
        guard connection.phase == .open, exchange === connection.exchange, let context = connection.context else {
            throw .connectionClosed
        }
        return context.channel
    }
}
