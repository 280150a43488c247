import NIOCore

/// A request body as it arrives: collected for the handler up to the limit, queued chunk by chunk for
/// a handler iterating `bodyChunks`, or skipped. It is the one record of where the request stands:
/// `isEnded` is what the connection asks, `outcome` what the handler's `body()` gets, `nextChunk()`
/// what its stream gets.
struct RequestBody {
    /// Where the request stands.
    enum State {
        /// Its end (the decoder's end of message) has not been seen: more body may come. A request that
        /// declared no body (or `Content-Length: 0`) is in this state too until its end is seen, but
        /// its `outcome` is already known.
        case receiving
        /// All of it arrived.
        case complete
        /// It broke: over the limit, bad framing, stalled or cut off (the client went away).
        case failed(HTTPDError)
        /// Not read to its end, on purpose: the handler finished without it and the connection closes
        /// after the response, so what is left is never read.
        case abandoned
    }

    /// Where arriving bytes go: decided by the handler's first read (`body()` or `bodyChunks`).
    enum Destination {
        /// Nobody asked yet, so nothing is read; bytes that arrive anyway (NIO reads to the end of
        /// input when the client shuts its side) are collected, as for `collected`.
        case undecided
        /// Into one array, for `body()`.
        case collected
        /// Into a queue of chunks taken one at a time by the handler's `bodyChunks`; the connection
        /// reads only while the queue is empty, so at most about one read waits in it.
        case streamed
        /// Nowhere: the handler finished without reading them (they are counted against the limit).
        case skipped
    }

    /// The largest body accepted: the server's `maxRequestBodyLength`, or what the handler set for its
    /// request before reading (`HTTPRequest.setMaxBodyLength`).
    var limit: Int
    /// Whether the request declared a body at all (`Content-Length` above 0 or `Transfer-Encoding`).
    let declared: Bool
    /// The declared length (`Content-Length`), when there is one.
    let expectedLength: Int?
    private(set) var state = State.receiving
    /// The bytes collected so far (nil until the first part), in the array `HTTPRequest.body()` returns,
    /// so the body is copied once, as it arrives.
    private(set) var bytes: [UInt8]?
    /// How many bytes arrived, collected or skipped.
    private(set) var received = 0
    /// How many parts they arrived in (each carries at least one byte of data).
    private(set) var parts = 0
    /// Where arriving bytes go.
    var destination = Destination.undecided
    /// Streamed chunks that arrived while the handler was not waiting for one; nil until the body is
    /// streamed (so a request that does not stream carries no array to retain and release).
    private(set) var queued: [ByteBuffer]?

    /// A body of at most `limit` bytes, `expectedLength` of them when declared (a `Content-Length: 0`
    /// counts as declaring none).
    init(limit: Int, declared: Bool, expectedLength: Int? = nil) {
        self.limit = limit
        self.declared = declared && expectedLength != 0
        self.expectedLength = expectedLength
    }

    /// Whether the request has ended, one way or another: nothing more of it is read as this request.
    var isEnded: Bool {
        if case .receiving = state { return false }
        return true
    }

    /// Takes one part; false when it carries the body over the limit (the body then fails).
    mutating func append(_ part: ByteBuffer) -> Bool {
        guard case .receiving = state else { return true }
        received += part.readableBytes
        parts += 1
        guard received <= limit else {
            state = .failed(.requestBodyTooLarge(limit: limit))
            bytes = nil
            queued = nil
            return false
        }
        switch destination {
        case .skipped: return true
        case .streamed:
            queued!.append(part)
            return true
        case .undecided, .collected: break
        }
        if bytes == nil {
            // Room for the declared length (at most the limit, which the head check enforced): address
            // space only, the pages are touched as the bytes arrive.
            var collected: [UInt8] = []
            collected.reserveCapacity(min(expectedLength ?? part.readableBytes, limit))
            bytes = collected
        }
        bytes!.append(contentsOf: part.readableBytesView)
        return true
    }

    /// Whether the connection should read more of the body for its reader now: `body()` takes all,
    /// a stream one read ahead (while nothing waits in its queue), a skipped body all.
    var wantsBytes: Bool {
        switch destination {
        case .undecided: return false
        case .collected, .skipped: return true
        case .streamed: return queued?.isEmpty ?? true
        }
    }

    /// A declared length over the limit: it is refused (413) when reading starts, and never skipped.
    var declaredOverLimit: Bool {
        (expectedLength ?? 0) > limit
    }

    /// A declared body over the limit that nobody started to read (and so nobody will read).
    var unreadAndOverLimit: Bool {
        guard declaredOverLimit, case .undecided = destination, case .receiving = state else { return false }
        return true
    }

    /// Starts streaming: what was collected before (only what NIO read at the client's end of input)
    /// becomes the first chunk.
    mutating func startStreaming() {
        destination = .streamed
        queued = []
        if let bytes, !bytes.isEmpty { queued!.append(ByteBuffer(bytes: bytes)) }
        bytes = nil
    }

    /// What the stream's next step gets: a chunk, the end (nil) or the error; nil while it must wait.
    mutating func nextChunk() -> Result<ByteBuffer?, HTTPDError>? {
        if let first = queued?.first {
            queued!.removeFirst()
            return .success(first)
        }
        switch state {
        case .receiving: return declared ? nil : .success(nil)
        case .complete: return .success(nil)
        case .failed(let error): return .failure(error)
        case .abandoned: return .failure(.connectionClosed)
        }
    }

    /// Whether a chunked body's framing is within bounds: `rawBytes` arrived on the connection while
    /// the body did (size lines, extensions, CRLFs and trailers included), and each part of data allows
    /// `allowance` bytes of framing beside it, with one more allowance for the end. A chunk extension
    /// or trailer section that goes on and on crosses it while it is still arriving.
    func framingIsBounded(rawBytes: Int, allowance: Int) -> Bool {
        rawBytes - received <= (parts + 1) * allowance
    }

    /// The handler finished: whatever is left of the body is read and thrown away (counted against
    /// the limit), and the chunks still queued are dropped.
    mutating func skipRest() {
        destination = .skipped
        queued = nil
    }

    /// The request's end was seen.
    mutating func finish() {
        if case .receiving = state { state = .complete }
    }

    /// The body broke with `error`, unless the request already ended.
    mutating func fail(_ error: HTTPDError) {
        if case .receiving = state {
            state = .failed(error)
            bytes = nil
            queued = nil
        }
    }

    /// What is left of the request will not be read (the connection closes after the response).
    mutating func abandon() {
        if case .receiving = state {
            state = .abandoned
            bytes = nil
            queued = nil
        }
    }

    /// What `HTTPRequest.body()` answers; nil while a declared body is still arriving.
    var outcome: Result<[UInt8]?, HTTPDError>? {
        switch state {
        case .receiving: return declared ? nil : .success(expectedLength == 0 ? [] : nil)
        case .complete: return .success(declared ? (bytes ?? []) : (expectedLength == 0 ? [] : nil))
        case .failed(let error): return .failure(error)
        case .abandoned: return .failure(.connectionClosed)
        }
    }
}
