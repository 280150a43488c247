import Logging
import NIOCore
import NIOHTTP1

/// One client connection: takes the decoded request parts from NIOHTTP1, serves the requests one at a
/// time in arrival order, and carries each handler's response back to the channel.
///
/// The same class serves one HTTP/2 stream (`wire` is `.http2Stream`): what is about the exchange
/// (starting the handler, the request body, the response's progress, backpressure, timeouts) is shared,
/// and only the framing differs (`ConnectionWire`): HTTP/1.x bytes in `HTTPConnection+HTTP1Wire.swift`,
/// a stream's response parts in `HTTPConnection+HTTP2Stream.swift`.
///
/// The handler is the last in the channel pipeline (`InboundTrafficMeter` → NIOHTTP1's decoder → this;
/// on an HTTP/2 stream, NIOHTTP2's `HTTP2FramePayloadToHTTP1ServerCodec` → this).
/// Everything here runs on the channel's event loop; the request and response objects call in from
/// handler code, which runs on the same loop through `EventLoopExecutor` (or hops to it).
///
/// Reading is driven by demand: the connection lets NIO read only while it can use the bytes (no
/// request in progress and output draining, or a handler that is reading or skipping the body). What
/// one read already brought in (at most 64 KiB, or the input buffer size) is decoded at once and waits
/// in `pending`; no request of it starts while the client is not reading the responses (the channel
/// is over its high-water mark), so a client that pipelines without reading holds about one read of
/// requests and the socket buffers' worth of responses, however much it sends.
final class HTTPConnection: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// A decoded request part, or the decoder's error, waiting for the request before it to finish.
    enum InboundEvent {
        case head(HTTPRequestHead)
        case body(ByteBuffer)
        case end
        case failure(any Error)
    }

    /// How long a closing connection keeps reading and discarding what the client still sends once
    /// its last response is out.
    static let lingerTime = TimeAmount.seconds(2)
    /// The most bytes a closing connection reads and discards, from the moment it decides to close,
    /// before it closes without waiting any longer.
    static let lingerByteLimit = 64 << 20
    /// Framing bytes a chunked body may carry per chunk of data (its size line with extensions, the
    /// CRLFs, trailer fields), beyond the request's `maxTokenLength`.
    static let chunkFramingAllowance = 64

    let serverContext: ServerContext
    let meter: InboundTrafficMeter
    let executor: EventLoopExecutor
    /// How the listener carries this connection: secure or not, whether files may go out with
    /// `sendfile`, what the transport tells requests (fixed when the connection is accepted).
    let transport: ConnectionTransport
    /// The framing spoken to the channel: HTTP/1.x bytes, or one HTTP/2 stream's response parts.
    let wire: ConnectionWire
    /// The server's logger; messages about this connection carry `logMetadata`.
    let logger: Logger
    /// The handler's context, from `handlerAdded` until `handlerRemoved` (which drops it: the context
    /// holds this handler, so keeping it would keep both alive forever).
    @exclusivity(unchecked) private(set) var context: ChannelHandlerContext!
    /// The channel's allocator, for response heads (still there after the context is dropped).
    @exclusivity(unchecked) private(set) var allocator = ByteBufferAllocator()
    /// Whether TCP_CORK is on (while a file goes out).
    @exclusivity(unchecked) var corked = false
    /// The client's address and port, as `HTTPRequest` reports them.
    @exclusivity(unchecked) private(set) var client = ""
    @exclusivity(unchecked) private(set) var clientPort: Int?

    /// The request and response timeouts.
    let watchdog: ConnectionWatchdog

    /// The request being served, from its head until its response is out.
    @exclusivity(unchecked) private(set) var exchange: Exchange?
    /// Parts of requests after the current one, pipelined by the client. It starts as a copy of one
    /// shared empty buffer, so a connection whose client does not pipeline allocates none (a held
    /// event stream or an idle connection saves it); the first pipelined part gives it its own.
    @exclusivity(unchecked) private var pending = HTTPConnection.noPendingEvents
    private static let noPendingEvents = CircularBuffer<InboundEvent>(initialCapacity: 1)
    @exclusivity(unchecked) private var processingPending = false
    /// NIO asked to read while the connection could not use more bytes.
    @exclusivity(unchecked) private var readHeld = false
    /// Inside `channelRead`: flushes wait for `channelReadComplete`, so pipelined responses share a write.
    @exclusivity(unchecked) private var inReadBatch = false
    @exclusivity(unchecked) private var flushPending = false
    /// Where the connection stands, and what follows from it.
    @exclusivity(unchecked) private var state = HTTP1ConnectionState()
    /// The connection's life (for the response: whether it may still write).
    var phase: HTTP1ConnectionState.Phase { state.phase }
    /// The server is stopping gracefully: the request in progress is the last.
    var isDraining: Bool { state.intake == .draining }

    @exclusivity(unchecked) private var writabilityWaiters: [EventLoopPromise<Void>] = []
    /// Ends a lingering close; cancelled when the client closes first, so nothing outlives the channel.
    @exclusivity(unchecked) private var lingerTimer: Scheduled<Void>?
    /// On an HTTP/2 stream: completes once the response's last frame is written (`writeOnStream`).
    @exclusivity(unchecked) var streamResponseWritten: EventLoopFuture<Void>?

    init(
        serverContext: ServerContext, meter: InboundTrafficMeter, executor: EventLoopExecutor,
        transport: ConnectionTransport = .plain, wire: ConnectionWire = .http1
    ) {
        self.serverContext = serverContext
        self.meter = meter
        self.executor = executor
        self.transport = transport
        self.wire = wire
        self.logger = serverContext.logger
        self.watchdog = ConnectionWatchdog(
            eventLoop: executor.eventLoop, requestTimeout: TimeAmount(serverContext.settings.requestTimeout),
            responseTimeout: TimeAmount(serverContext.settings.responseTimeout))
        // `unowned`: no weak-reference side table per connection; the watchdog's timer is cancelled in
        // `handlerRemoved`, before the connection can go.
        watchdog.onExpiry = { [unowned self] expiry in self.expired(expiry) }
    }

    var eventLoop: any EventLoop { executor.eventLoop }

    /// Says which client a log message is about (built only when a message is logged).
    var logMetadata: Logger.Metadata {
        ["client": "\(client):\(clientPort ?? 0)"]
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        allocator = context.channel.allocator
        switch context.channel.remoteAddress {
        case .some(let address) where address.protocol == .unix:
            client = address.pathname ?? "unix"
        case .some(let address):
            client = address.ipAddress ?? "?"
            clientPort = address.port
        case .none:
            client = "?"
        }
        if context.channel.isActive { waitForHead() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        _ = state.closed()
        watchdog.stopAll()
        lingerTimer?.cancel()
        lingerTimer = nil
        self.context = nil
        exchange = nil
        pending.removeAll()
    }

    func channelActive(context: ChannelHandlerContext) {
        if exchange == nil { waitForHead() }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inReadBatch = true
        switch unwrapInboundIn(data) {
        case .head(let head): receive(.head(head))
        case .body(let bytes): receive(.body(bytes))
        case .end: receive(.end)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        inReadBatch = false
        if let exchange, let start = exchange.chunkFramingStart, !exchange.body.isEnded, phase == .open {
            checkChunkFraming(of: exchange, since: start)
        }
        if flushPending {
            flushPending = false
            context.flush()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard phase == .open else { return }
        if !context.channel.isActive || meter.inputClosed {
            // The client went away: the decoder's complaint about a request cut short is not a bad request.
            if let exchange, !exchange.body.isEnded {
                exchange.body.fail(.connectionClosed)
                exchange.settleWaiter()
            }
            return
        }
        if error is HTTPParserError || error is ByteToMessageDecoderError {
            receive(.failure(error))
        } else {
            logger.debug("connection error: \(error)", metadata: logMetadata)
            closeNow()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        _ = state.closed()
        watchdog.stopAll()
        let waiters = writabilityWaiters
        writabilityWaiters = []
        for waiter in waiters { waiter.fail(HTTPDError.connectionClosed) }
        if let exchange {
            exchange.body.fail(.connectionClosed)
            exchange.settleWaiter()
            self.exchange = nil  // the handler may still hold it; writes now throw connectionClosed
            clientLeft(exchange)
            serverContext.observers?.ended(exchange, on: self)
        }
        pending.removeAll()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent { inputClosed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        guard context.channel.isWritable else { return }
        let waiters = writabilityWaiters
        writabilityWaiters = []
        for waiter in waiters { waiter.succeed() }
        switch phase {
        case .open where exchange != nil, .closingAfterOutput:
            watchdog.watch(.response)
        case .open:
            watchdog.stop(.response)
            if !pending.isEmpty { servePending() }  // pipelined requests held while the client did not read
            resumeReadingIfWanted()
        case .lingering, .closed:
            break
        }
    }

    func read(context: ChannelHandlerContext) {
        if wantsInput {
            context.read()
        } else {
            readHeld = true
        }
    }

    /// Whether the connection can use more bytes now.
    private var wantsInput: Bool {
        state.wantsInput(exchange: exchangeView, pendingIsEmpty: pending.isEmpty, outputWritable: outputWritable)
    }

    /// Whether the client is taking what was written (the channel is under its high-water mark).
    private var outputWritable: Bool {
        context?.channel.isWritable ?? false
    }

    /// The request in progress, as the state's decisions see it.
    private var exchangeView: HTTP1ConnectionState.ExchangeView? {
        exchange.map { .init(requestEnded: $0.body.isEnded, bodyWanted: $0.body.wantsBytes || $0.handlerFinished) }
    }

    /// Lets NIO read again if it was held back and the connection can now use the bytes.
    private func resumeReadingIfWanted() {
        if readHeld, wantsInput {
            readHeld = false
            context.read()
        }
    }

    // MARK: Requests

    /// Routes one inbound event: to the request being received, or to the queue behind it.
    private func receive(_ event: InboundEvent) {
        switch state.route(exchange: exchangeView, pendingIsEmpty: pending.isEmpty, outputWritable: outputWritable) {
        case .toExchange:
            deliver(event, to: exchange!)
        case .queue:
            // Behind the request in progress, or the client is not reading what was answered: wait,
            // so that a client that pipelines without reading cannot make responses pile up.
            pending.append(event)
            if case .failure = event { state.inputBroke() }
        case .start:
            start(event)
        case .drop:
            break
        }
    }

    /// Starts the next request from an event that begins one (a head, or the error that stood in its place).
    private func start(_ event: InboundEvent) {
        switch event {
        case .head(let head):
            begin(head)
        case .failure(let error):
            rejectAndClose(
                status: ParseErrorStatus.status(
                    for: error, firstLineLength: meter.firstLineLength, firstLineTail: meter.firstLineTail,
                    maxTokenLength: serverContext.settings.maxTokenLength),
                withBody: !meter.firstLineIsHEAD)
        case .body, .end:
            break  // the remains of a request that was already answered
        }
    }

    private func begin(_ head: HTTPRequestHead) {
        watchdog.stop(.head)
        let overHTTP2 = wire == .http2Stream
        let verdict: RequestHeadCheck.Verdict
        switch RequestHeadCheck.check(head, settings: serverContext.settings, overHTTP2: overHTTP2) {
        case .success(let good): verdict = good
        case .failure(let rejected):
            rejectAndClose(status: rejected.status, withBody: head.method != .HEAD, head: head)
            return
        }
        let body = RequestBody(
            limit: serverContext.settings.maxRequestBodyLength, declared: verdict.hasBody, expectedLength: verdict.contentLength)
        let exchange = Exchange(connection: self, head: head, body: body, expectsContinue: verdict.expectsContinue)
        if verdict.hasBody, verdict.contentLength == nil, !overHTTP2 { exchange.chunkFramingStart = meter.bytesSinceMark }
        self.exchange = exchange
        let request = HTTPRequest(
            head: head, client: client, clientPort: clientPort, exchange: exchange,
            fieldsNeedTrimming: verdict.fieldsNeedTrimming, asksToUpgrade: verdict.asksToUpgrade)
        serverContext.observers?.began(exchange, request: request)
        // NIOHTTP1's decoder reads nothing after a request it takes for an upgrade, and this server
        // upgrades to nothing: answer it as if `Upgrade` were absent, then close, so that a request
        // pipelined behind it is not left unanswered and what the client sends does not pile up.
        if request.asksToUpgrade { exchange.closeReason = .upgradeRequested }
        let response = HTTPResponse(exchange: exchange)
        var handler = BuiltInHandlers.handler(for: request, mux: serverContext.mux, settings: serverContext.settings)
        if let tracer = serverContext.tracer { handler = RequestTracing.traced(handler, by: tracer) }
        run(handler, request: request, response: response, exchange: exchange)
    }

    /// Runs the handler on this loop's executor: synchronously until its first real suspension, so a
    /// handler that never waits is finished when this returns.
    private func run(_ handler: @escaping HTTPHandler, request: HTTPRequest, response: HTTPResponse, exchange: Exchange) {
        watchdog.watch(.response)
        let server = serverContext.server
        let eventLoop = self.eventLoop
        exchange.task = Task.immediate(executorPreference: executor) {
            let failure: (any Error)?
            do {
                try await HTTPServer.$handlerServer.withValue(server) {
                    try await handler(request, response)
                }
                failure = nil
            } catch {
                failure = error
            }
            // The exchange crosses to the handler's task and back (see `Exchange`); the connection
            // is reached through it on the loop only.
            if eventLoop.inEventLoop {
                exchange.connection.handlerDidFinish(exchange, response: response, failure: failure)
            } else {
                eventLoop.execute { exchange.connection.handlerDidFinish(exchange, response: response, failure: failure) }
            }
        }
    }

    func handlerDidFinish(_ exchange: Exchange, response: HTTPResponse, failure: (any Error)?) {
        exchange.handlerFinished = true
        exchange.task = nil
        response.handlerDidFinish(failure: failure)
        if !exchange.body.isEnded {
            exchange.body.skipRest()
            if exchange.closeReason != nil, exchange.responseFinished {
                state.inputBroke()  // no use reading a body nobody wants before closing
                exchange.body.abandon()
            } else {
                watchdog.watch(.body)
            }
        }
        completeIfDone(exchange)
        resumeReadingIfWanted()
    }

    private func deliver(_ event: InboundEvent, to exchange: Exchange) {
        switch event {
        case .body(let bytes):
            if exchange.body.append(bytes) {
                // Body bytes are progress for the request and for the handler waiting on them.
                watchdog.noteProgress(.response)
                if case .streamed = exchange.body.destination {
                    // A streamed body's wait runs only while its handler waits for a chunk.
                    watchdog.stop(.body)
                    exchange.settleWaiter()
                } else {
                    watchdog.noteProgress(.body)
                }
            } else {
                abandonBody(of: exchange, because: .requestBodyTooLarge(limit: exchange.body.limit))
            }
        case .end:
            exchange.body.finish()
            watchdog.stop(.body)
            exchange.settleWaiter()
            completeIfDone(exchange)
        case .failure:
            abandonBody(of: exchange, because: .malformedRequestBody)
        case .head:
            break  // NIOHTTP1 always ends a request before the next head
        }
    }

    /// Refuses a chunked body whose framing grows without data (an endless chunk extension or trailer
    /// section): 400 and a close, while the bytes are still arriving.
    private func checkChunkFraming(of exchange: Exchange, since start: Int) {
        let allowance = serverContext.settings.maxTokenLength + Self.chunkFramingAllowance
        guard !exchange.body.framingIsBounded(rawBytes: meter.bytesSinceMark &- start, allowance: allowance) else { return }
        logger.debug("chunked body framing over \(allowance) bytes per chunk", metadata: logMetadata)
        abandonBody(of: exchange, because: .malformedRequestBody)
    }

    /// The body went wrong: the handler's `body()` throws `error`, and the connection closes after the response.
    private func abandonBody(of exchange: Exchange, because error: HTTPDError) {
        exchange.body.fail(error)
        exchange.closeReason = .brokenRequest
        state.inputBroke()
        watchdog.stop(.body)
        exchange.settleWaiter()
        completeIfDone(exchange)
    }

    /// Ends the exchange once its request is in, its handler returned and its response is out, then
    /// starts the next request or closes.
    private func completeIfDone(_ exchange: Exchange) {
        guard exchange === self.exchange, exchange.body.isEnded, exchange.handlerFinished,
            exchange.responseFinished
        else { return }
        self.exchange = nil
        serverContext.observers?.ended(exchange, on: self)
        watchdog.stop(.body)
        if _slowPath(wire == .http2Stream) {
            // One request per stream. When the client ended it too, NIOHTTP2 closes the stream; when the
            // request was cut short (over the body limit, stalled), the stream is reset once the response is out.
            if exchange.closeReason != nil {
                closeAfterOutput()
            } else {
                watchdog.stopAll()
            }
            return
        }
        if context.channel.isWritable {
            watchdog.stop(.response)
        }
        if exchange.closeReason != nil || state.intake == .draining {
            closeAfterOutput()
            return
        }
        servePending()
    }

    /// Serves the requests the client pipelined, one at a time, until one is still in progress.
    private func servePending() {
        guard !processingPending else { return }
        processingPending = true
        defer { processingPending = false }
        while phase == .open, let event = pending.first {
            if let exchange {
                guard !exchange.body.isEnded else { break }
                pending.removeFirst()
                deliver(event, to: exchange)
            } else {
                guard context.channel.isWritable else { break }  // resumed by channelWritabilityChanged
                pending.removeFirst()
                start(event)
            }
        }
        if phase == .open, exchange == nil, pending.isEmpty {
            if state.intake == .broken || state.intake == .ended {
                closeAfterOutput()
                return
            }
            waitForHead()
        }
        resumeReadingIfWanted()
    }

    // MARK: The body, for HTTPRequest

    /// The request body once it has all arrived (nil for a request without one); see `HTTPRequest.body()`.
    /// `limit` is the handler's own limit for its request, if it set one.
    nonisolated(nonsending) func readBody(for exchange: Exchange, limit: Int? = nil) async throws -> [UInt8]? {
        if eventLoop.inEventLoop {
            if limit == nil, exchange.body.destination != .streamed, let outcome = exchange.body.outcome {
                return try outcome.get()
            }
            return try await awaitBody(for: exchange, limit: limit).get()
        }
        return try await eventLoop.flatSubmit { exchange.connection.awaitBody(for: exchange, limit: limit) }.get()
    }

    func awaitBody(for exchange: Exchange, limit: Int?) -> EventLoopFuture<[UInt8]?> {
        if let misuse = startReading(exchange, into: .collected, limit: limit) {
            return eventLoop.makeFailedFuture(misuse)
        }
        if let outcome = exchange.body.outcome {
            return eventLoop.makeCompletedFuture(outcome.mapError { $0 as any Error })
        }
        if case .whole(let waiter)? = exchange.bodyWaiter { return waiter.futureResult }
        let waiter = eventLoop.makePromise(of: [UInt8]?.self)
        exchange.bodyWaiter = .whole(waiter)
        watchdog.watch(.body)
        resumeReadingIfWanted()
        return waiter.futureResult
    }

    /// The next chunk of a streamed body, nil at its end; see `HTTPRequest.bodyChunks`.
    nonisolated(nonsending) func nextBodyChunk(for exchange: Exchange, limit: Int?) async throws -> ByteBuffer? {
        if eventLoop.inEventLoop {
            if case .streamed = exchange.body.destination, let next = exchange.body.nextChunk() {
                resumeReadingIfWanted()
                return try next.get()
            }
            return try await awaitChunk(for: exchange, limit: limit).get()
        }
        return try await eventLoop.flatSubmit { exchange.connection.awaitChunk(for: exchange, limit: limit) }.get()
    }

    func awaitChunk(for exchange: Exchange, limit: Int?) -> EventLoopFuture<ByteBuffer?> {
        if let misuse = startReading(exchange, into: .streamed, limit: limit) {
            return eventLoop.makeFailedFuture(misuse)
        }
        if let next = exchange.body.nextChunk() {
            resumeReadingIfWanted()
            return eventLoop.makeCompletedFuture(next.mapError { $0 as any Error })
        }
        if case .chunk(let waiter)? = exchange.bodyWaiter { return waiter.futureResult }
        let waiter = eventLoop.makePromise(of: ByteBuffer?.self)
        exchange.bodyWaiter = .chunk(waiter)
        watchdog.watch(.body)
        resumeReadingIfWanted()
        return waiter.futureResult
    }

    /// The handler's first read decides where the body goes (`into`) and under which limit; a later
    /// read the other way is a misuse (returned). A declared length over the limit is refused here,
    /// before anything of it is read or `100 Continue` is sent; otherwise a client waiting for
    /// `100 Continue` gets it now.
    private func startReading(_ exchange: Exchange, into destination: RequestBody.Destination, limit: Int?) -> HTTPDError? {
        switch (exchange.body.destination, destination) {
        case (.undecided, _):
            break
        case (.collected, .collected), (.streamed, .streamed):
            return nil
        case (.streamed, _):
            return .bodyMisuse("body() was called after the body was read as a stream (bodyChunks)")
        default:
            return .bodyMisuse("bodyChunks was read after the body was read whole (body())")
        }
        if let limit { exchange.body.limit = limit }
        if case .streamed = destination { exchange.body.startStreaming() } else { exchange.body.destination = destination }
        guard !exchange.body.isEnded, phase == .open else { return nil }
        if exchange.body.declaredOverLimit {
            abandonBody(of: exchange, because: .requestBodyTooLarge(limit: exchange.body.limit))
            return nil
        }
        if exchange.expectsContinue, !exchange.continueSent {
            exchange.continueSent = true
            switch wire {
            case .http1: sendInterim("HTTP/1.1 100 Continue\r\n\r\n")
            case .http2Stream: sendInterimOnStream(.continue)
            }
        }
        return nil
    }

    // MARK: Output, for HTTPResponse

    /// Decides the `Connection` header of a response about to start, and whether the connection closes after it.
    func connectionHeader(for exchange: Exchange, handlerAskedClose: Bool, untilClose: Bool) -> ResponseHead.ConnectionHeader {
        let reason = state.closeReason(
            exchangeReason: exchange.closeReason, keepAliveRequested: exchange.keepAliveRequested,
            handlerAskedClose: handlerAskedClose, bodyUntilClose: untilClose,
            unreadExpectedBody: exchange.expectsContinue && !exchange.continueSent && !exchange.body.isEnded)
            ?? (exchange.body.unreadAndOverLimit ? .unreadBodyOverLimit : nil)
        if let reason {
            exchange.closeReason = reason
            return .close
        }
        return exchange.isHTTP10 ? .keepAlive : .omitted
    }

    /// Hands response bytes (or a file region) to the channel.
    ///
    /// Returns a future to wait on when the client is not keeping up (the channel is not writable), nil
    /// otherwise. Throws `connectionClosed` when the connection is gone, leaving `promise` to the caller.
    func send(
        _ data: IOData, for exchange: Exchange, finishesResponse: Bool, promise: EventLoopPromise<Void>? = nil
    ) throws(HTTPDError) -> EventLoopFuture<Void>? {
        guard phase == .open, exchange === self.exchange else { throw .connectionClosed }
        if _slowPath(wire == .http2Stream) {
            writeOnStream(data, for: exchange, finishesResponse: finishesResponse, promise: promise)
        } else {
            context.write(wrapOutboundOut(data), promise: promise)
        }
        if inReadBatch {
            flushPending = true
        } else {
            context.flush()  // may find the client gone and close the channel right here
        }
        watchdog.watch(.response)
        if finishesResponse {
            exchange.response = .finished
            completeIfDone(exchange)
            return nil
        }
        guard phase == .open else { throw .connectionClosed }
        guard context.channel.isWritable else {
            let waiter = eventLoop.makePromise(of: Void.self)
            writabilityWaiters.append(waiter)
            return waiter.futureResult
        }
        return nil
    }

    /// Closes the connection at once, cutting off a response in progress.
    func closeNow() {
        guard state.closed() else { return }
        context.flush()
        context.close(promise: nil)
    }

    // MARK: Timeouts

    /// Changes this connection's request timeout (from `HTTPRequest.setTimeout`, through `Exchange`).
    func setRequestTimeout(_ timeout: Duration) {
        watchdog.requestTimeout = TimeAmount(timeout)
    }

    /// Changes this connection's response timeout (from `HTTPResponse.setTimeout`, through `Exchange`).
    func setResponseTimeout(_ timeout: Duration) {
        watchdog.responseTimeout = TimeAmount(timeout)
    }

    /// Starts waiting for the next request head.
    private func waitForHead() {
        // An HTTP/2 stream exists once its head has arrived whole (NIOHTTP2 bounds the header block).
        guard wire == .http1 else { return }
        meter.mark()
        watchdog.watch(.head)
    }

    /// A wait ran out. A head: a client that sent part of one gets 408, an idle one is closed quietly.
    /// A body: the handler's `body()` throws `requestTimedOut`. A response: the connection closes and the
    /// handler's task is cancelled.
    private func expired(_ expiry: ConnectionDeadlines.Wait) {
        if phase == .closingAfterOutput, case .response = expiry {
            logger.debug("closing connection's output made no progress; closing now", metadata: logMetadata)
            closeNow()
            return
        }
        guard phase == .open else { return }
        switch expiry {
        case .head:
            guard exchange == nil else { return }
            if meter.bytesSinceMark > 0 {
                logger.debug("request head timed out", metadata: logMetadata)
                rejectAndClose(status: 408)
            } else {
                closeNow()
            }
        case .body:
            guard let exchange, !exchange.body.isEnded else { return }
            logger.debug("request body timed out", metadata: logMetadata)
            abandonBody(of: exchange, because: .requestTimedOut)
        case .response:
            logger.info("response timed out; closing the connection", metadata: logMetadata)
            exchange?.interruption = .timedOut(.response)
            exchange?.task?.cancel()
            closeNow()
        }
    }

    // MARK: The client leaving

    /// The client shut its sending side (a FIN; NIO read what came before it). A FIN alone does not
    /// tell a client that closed from one that half-closed and waits for its answers, so nothing is
    /// cancelled for it: the requests already received are served, then the connection closes. A
    /// body cut short by it fails with `connectionClosed`. While a handler works on an HTTP/1.1
    /// request with no response begun, the connection asks the client with an interim
    /// `102 Processing` (which HTTP/1.1 clients must accept and may ignore): a client that closed for
    /// good answers it with a reset, and the handler is cancelled (`clientLeft`); one that half-closed
    /// takes it and waits for the answer.
    private func inputClosed() {
        state.inputEnded()
        guard phase == .open else { return }
        guard let exchange else {
            if pending.isEmpty { closeAfterOutput() }  // what was answered goes out first
            return
        }
        if !exchange.body.isEnded {
            abandonBody(of: exchange, because: .connectionClosed)
        }
        if !exchange.handlerFinished, case .notStarted = exchange.response, !exchange.isHTTP10, wire == .http1 {
            sendInterim("HTTP/1.1 102 Processing\r\n\r\n")
        }
    }

    /// The connection is gone (reset, a failed write, closed) while `exchange` was in progress: its
    /// handler's task is cancelled and `isClientConnected` turns false.
    private func clientLeft(_ exchange: Exchange) {
        exchange.clientGone.store(true, ordering: .relaxed)
        if !exchange.handlerFinished { exchange.task?.cancel() }
    }

    // MARK: Closing

    /// Answers a request the server refuses before routing (or a head that never completed), then closes.
    private func rejectAndClose(status: Int, withBody: Bool = true, head: HTTPRequestHead? = nil) {
        state.inputBroke()
        switch wire {
        case .http1:
            writeRefusal(status: status, withBody: withBody, head: head)
            closeAfterOutput()
        case .http2Stream:
            rejectOnStream(status: status, withBody: withBody, head: head)
            closeAfterOutput()
        }
    }

    /// Closes once everything written is out, the way nginx does: shut the write side, then read and
    /// discard for a bounded time, so that a client still sending gets the response rather than a reset.
    ///
    /// Every step is bounded: the output must make progress within the response timeout, the linger
    /// lasts at most `lingerTime`, and at most `lingerByteLimit` bytes are discarded in all.
    private func closeAfterOutput() {
        guard state.beginClosingAfterOutput() else { return }
        watchdog.stop(.head)
        watchdog.stop(.body)
        watchdog.watch(.response)
        flushPending = false
        let context = self.context!
        if wire == .http2Stream {
            // A stream has no linger: once the response's frames are out (closing sooner drops them), the
            // stream closes: NIOHTTP2 already closed it if the request had ended, else this resets it.
            context.flush()
            guard let written = streamResponseWritten else {
                closeNow()
                return
            }
            written.assumeIsolated().whenComplete { [self] _ in closeNow() }
            return
        }
        meter.discard(upTo: Self.lingerByteLimit)
        let done = eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(ByteBuffer())), promise: done)
        done.futureResult.assumeIsolated().whenComplete { [self] _ in
            guard state.outputFlushed() else { return }
            watchdog.stopAll()
            context.close(mode: .output, promise: nil)
            let channel = context.channel
            lingerTimer = eventLoop.scheduleTask(in: Self.lingerTime) { channel.close(promise: nil) }
        }
        resumeReadingIfWanted()
    }

    /// Stops taking new requests: closes after the current response, or now if idle and `closingIdle`.
    /// An event stream in progress ends now rather than at the grace period's end.
    func beginDrain(closingIdle: Bool = true) {
        state.beginDraining()
        if let exchange, let stream = exchange.eventStream { stream.end(.serverStopping, of: exchange) }
        if closingIdle, phase == .open, exchange == nil, pending.isEmpty {
            closeNow()
        }
    }
}
