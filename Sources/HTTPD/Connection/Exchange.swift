import NIOCore
import NIOHTTP1
import Synchronization

/// One request and its response on a connection, from the request head until both are finished.
///
/// This is what crosses threads: `HTTPRequest` and `HTTPResponse` carry it into the handler's task,
/// which may run elsewhere when the handler hops. Its state, and the connection behind it, are touched
/// only on the connection's event loop: every entry from the handler hops there first (`onLoop`,
/// `HTTPResponse`'s own `onLoop`, `HTTPConnection.readBody`). Hence `@unchecked Sendable`.
final class Exchange: @unchecked Sendable {
    /// The connection the exchange runs on.
    let connection: HTTPConnection
    /// The request head.
    let head: HTTPRequestHead
    /// The body as it arrives, and so where the request stands (`body.isEnded`).
    @exclusivity(unchecked) var body: RequestBody
    /// The client asked to keep the connection open (HTTP/1.1 by default, HTTP/1.0 with `keep-alive`).
    let keepAliveRequested: Bool
    /// The client sent `Expect: 100-continue` and waits for it before sending the body.
    let expectsContinue: Bool
    /// `100 Continue` was sent.
    @exclusivity(unchecked) var continueSent = false
    /// The handler returned or threw.
    @exclusivity(unchecked) var handlerFinished = false
    /// Where the response stands.
    enum ResponseProgress {
        /// Nothing of it was handed to the connection.
        case notStarted
        /// `begin` sent (or buffered) the head; body parts follow, framed as given, until `end`.
        case streaming(BodyFraming)
        /// The head went out and the file follows in slices (framed by `Content-Length`).
        case sendingFile
        /// Its last byte was handed to the channel.
        case finished
    }

    /// Where the response stands: `HTTPResponse` starts it, the connection finishes it.
    @exclusivity(unchecked) var response = ResponseProgress.notStarted

    /// The last byte of the response was handed to the channel.
    var responseFinished: Bool {
        if case .finished = response { return true }
        return false
    }
    /// Why the connection closes once the response is out; nil while it stays open.
    @exclusivity(unchecked) var closeReason: HTTP1ConnectionState.CloseReason?
    /// How the handler waits for its body.
    enum BodyWaiter {
        /// In `body()`, for all of it.
        case whole(EventLoopPromise<[UInt8]?>)
        /// In `bodyChunks`, for the next chunk.
        case chunk(EventLoopPromise<ByteBuffer?>)
    }

    /// The handler waiting for its body, if any (one field for both ways: one release per request).
    @exclusivity(unchecked) var bodyWaiter: BodyWaiter?
    /// The client went away while the exchange ran (reset, or closed for good): set on the loop, read
    /// by the handler anywhere (`HTTPRequest.isClientConnected`).
    let clientGone = Atomic<Bool>(false)
    /// For a chunked body: the connection's raw byte count (`InboundTrafficMeter.bytesSinceMark`) when
    /// the head was taken, so the framing around the body's data can be bounded.
    @exclusivity(unchecked) var chunkFramingStart: Int?
    /// The task running the handler, until it finishes (cancelled when the response times out).
    @exclusivity(unchecked) var task: Task<Void, Never>?
    /// The event stream the response is, while its body runs (ended early by a graceful stop).
    @exclusivity(unchecked) var eventStream: EventStreamLife?
    /// The status written, once the response has begun (`HTTPResponse.status`).
    @exclusivity(unchecked) var responseStatus: Int?
    /// Response body bytes handed to the connection (`HTTPResponse.bytesSent`).
    @exclusivity(unchecked) var responseBodyBytes = 0
    /// For observers (`ServerObservers`, set only when the server has some): when the head was taken
    /// (`NIODeadline` uptime), the client as the request names it (behind a trusted proxy, the original
    /// one), whether the exchange was reported, and how it was cut off when the connection (a timeout)
    /// or the handler (a throw mid-response) ended it.
    @exclusivity(unchecked) var startUptime: UInt64 = 0
    @exclusivity(unchecked) var observedClient: (address: String, port: Int?)?
    @exclusivity(unchecked) var reported = false
    @exclusivity(unchecked) var interruption: HTTPExchangeRecord.Ending?
    /// Over HTTP/2: the response head, made when the response starts and sent (as a HEADERS frame)
    /// with its first body bytes, as HTTP/1.1 sends the head's bytes with them.
    @exclusivity(unchecked) var pendingHTTP2Head: HTTPResponseHead?

    init(connection: HTTPConnection, head: HTTPRequestHead, body: RequestBody, expectsContinue: Bool) {
        self.connection = connection
        self.head = head
        self.body = body
        self.keepAliveRequested = head.isKeepAlive
        self.expectsContinue = expectsContinue
    }

    /// Runs `work` with the connection on its event loop: at once when already there, else after a hop.
    func onLoop(_ work: @escaping @Sendable (HTTPConnection) -> Void) {
        let loop = connection.executor.eventLoop
        if loop.inEventLoop {
            work(connection)
        } else {
            loop.execute { work(self.connection) }
        }
    }

    /// The request is a `HEAD`: its response carries headers only.
    var isHead: Bool { head.method == .HEAD }

    /// The client speaks HTTP/1.0 (no chunked responses).
    var isHTTP10: Bool { head.version == .http1_0 }

    /// Hands the settled body, or the next chunk of a streamed one, to a waiting handler, if one waits.
    @inline(__always)
    func settleWaiter() {
        if case .some = bodyWaiter { settleWaitingHandler() }
    }

    private func settleWaitingHandler() {
        guard let waiter = bodyWaiter else { return }
        switch waiter {
        case .whole(let promise):
            guard let outcome = body.outcome else { return }
            bodyWaiter = nil
            promise.completeWith(outcome.mapError { $0 as any Error })
        case .chunk(let promise):
            guard let next = body.nextChunk() else { return }
            bodyWaiter = nil
            promise.completeWith(next.mapError { $0 as any Error })
        }
    }
}
