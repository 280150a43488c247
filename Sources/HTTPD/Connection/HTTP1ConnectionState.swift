/// Where an HTTP/1.1 connection stands, and the decisions that follow from it: where an inbound
/// request part goes, whether to read more from the socket, whether the connection closes after the
/// response in progress. A value type with no I/O, so each rule is tested without a socket;
/// `HTTPConnection` carries out what it decides.
///
/// | phase | reads | requests served | leaves by |
/// |---|---|---|---|
/// | `open` | while the parts can be used (see `wantsInput`) | one at a time, in order | `beginClosingAfterOutput()`, or `closed()` (reset, timeout, `stop()`) |
/// | `closingAfterOutput` | and discards (≤ 64 MiB) | none | `outputFlushed()` (→ `lingering`), or `closed()` when the output makes no progress for the response timeout |
/// | `lingering` | and discards | none | `closed()`: the client closed, 2 s passed, or 64 MiB were discarded |
/// | `closed` | nothing | none | – |
struct HTTP1ConnectionState {
    /// The connection's life.
    enum Phase {
        /// Serving requests.
        case open
        /// The server decided to close after the last response: what was written is still going out
        /// (bounded by the response timeout: it must make progress), and what the client sends is
        /// read and discarded (bounded by `HTTPConnection.lingerByteLimit`).
        case closingAfterOutput
        /// The last response is out and the write side is shut: reading and discarding until the
        /// client closes, the linger time ends or the byte bound is reached (so the client gets the
        /// answer, not a reset).
        case lingering
        /// Closed.
        case closed
    }

    /// Whether requests after the current one will be read.
    enum Intake {
        /// Requests are read and served as they come.
        case open
        /// The server is stopping gracefully: the request in progress is the last.
        case draining
        /// The client shut its sending side (a FIN: it closed, or half-closed to wait for its answers):
        /// the requests already received are served in order, then the connection closes.
        case ended
        /// What the client sent can no longer be trusted (a parse error, a body over the limit or
        /// malformed): nothing more is read as a request, and the connection closes after the answer.
        case broken
    }

    /// Why a connection closes after a response.
    enum CloseReason: Equatable {
        /// The request did not ask to keep the connection (`Connection: close`, or HTTP/1.0 without
        /// `keep-alive`).
        case clientAsked
        /// The handler's response said `Connection: close`.
        case handlerAsked
        /// A streamed response to an HTTP/1.0 client: its body ends when the connection closes.
        case bodyUntilClose
        /// The request asked to upgrade: NIOHTTP1's decoder reads nothing after it.
        case upgradeRequested
        /// The client waits for `100 Continue` before a body nobody read: it cannot be skipped.
        case unreadExpectedBody
        /// The request declared a body over its limit that nobody read: it is not skipped.
        case unreadBodyOverLimit
        /// The request broke (`Intake.broken`).
        case brokenRequest
        /// The server is stopping (`Intake.draining`).
        case serverStopping
        /// The response is an event stream (`HTTPResponse.eventStream`): it lasts until its handler
        /// returns, so nothing after it would be read for long; the request decoder leaves while it runs.
        case eventStream
    }

    /// What the connection knows of the request in progress, for the decisions here.
    struct ExchangeView {
        /// The request has ended (`RequestBody.isEnded`): nothing more of it will be read.
        var requestEnded: Bool
        /// Body bytes are wanted now: the handler asked for the body, or finished and it is skipped.
        var bodyWanted: Bool
    }

    /// Where an inbound request part goes.
    enum InboundRoute: Equatable {
        /// To the request in progress (its body, or its end).
        case toExchange
        /// To the queue behind it (pipelined), served in order once it is done.
        case queue
        /// It starts the next request now.
        case start
        /// Nowhere: the connection is closing, or its input is broken.
        case drop
    }

    private(set) var phase = Phase.open
    private(set) var intake = Intake.open

    /// Where an inbound part goes, given the request in progress, whether parts already wait, and
    /// whether the client is reading its answers (the channel is writable): no request starts while
    /// answers pile up unread.
    func route(exchange: ExchangeView?, pendingIsEmpty: Bool, outputWritable: Bool) -> InboundRoute {
        guard phase == .open, intake != .broken else { return .drop }
        if let exchange, !exchange.requestEnded { return .toExchange }
        if exchange != nil || !pendingIsEmpty || !outputWritable { return .queue }
        return .start
    }

    /// Whether the connection can use more bytes from the socket now.
    func wantsInput(exchange: ExchangeView?, pendingIsEmpty: Bool, outputWritable: Bool) -> Bool {
        switch phase {
        case .open: break
        case .closingAfterOutput, .lingering: return true  // read and discarded, up to a bound
        case .closed: return false
        }
        if intake == .broken || intake == .ended || !pendingIsEmpty { return false }
        guard let exchange else { return outputWritable }
        return !exchange.requestEnded && exchange.bodyWanted
    }

    /// Whether the next pipelined request may start now.
    func mayStartNext(outputWritable: Bool) -> Bool {
        phase == .open && intake == .open && outputWritable
    }

    /// Why the connection closes after the response now being started, or nil when it stays open.
    /// `exchangeReason` is what the exchange already knows (an upgrade, a broken body).
    func closeReason(
        exchangeReason: CloseReason?, keepAliveRequested: Bool, handlerAskedClose: Bool, bodyUntilClose: Bool,
        unreadExpectedBody: Bool
    ) -> CloseReason? {
        if let exchangeReason { return exchangeReason }
        switch intake {
        case .broken: return .brokenRequest
        case .draining: return .serverStopping
        case .open, .ended: break  // after .ended the connection closes once nothing received is left
        }
        if !keepAliveRequested { return .clientAsked }
        if handlerAskedClose { return .handlerAsked }
        if bodyUntilClose { return .bodyUntilClose }
        if unreadExpectedBody { return .unreadExpectedBody }
        return nil
    }

    /// Nothing more the client sends is read as a request.
    mutating func inputBroke() {
        intake = .broken
    }

    /// The client shut its sending side: nothing more arrives, what was received is still served.
    mutating func inputEnded() {
        if intake == .open { intake = .ended }
    }

    /// The server stops gracefully; whether the connection is idle enough to close at once is for
    /// the caller to tell.
    mutating func beginDraining() {
        if intake == .open { intake = .draining }
    }

    /// The server decided to close once what it wrote is out; false when it already is closing.
    mutating func beginClosingAfterOutput() -> Bool {
        guard phase == .open else { return false }
        phase = .closingAfterOutput
        intake = .broken
        return true
    }

    /// What was written went out: the write side is shut and the connection lingers; false when it
    /// was not waiting for that (it closed meanwhile).
    mutating func outputFlushed() -> Bool {
        guard phase == .closingAfterOutput else { return false }
        phase = .lingering
        return true
    }

    /// The connection closed (or is closing now); false when it already had.
    mutating func closed() -> Bool {
        guard phase != .closed else { return false }
        phase = .closed
        return true
    }
}
