import NIOCore

/// A request body as it arrives: collected for the handler up to the limit, or skipped. It is the one
/// record of where the request stands: `isEnded` is what the connection asks, `outcome` what the
/// handler's `body()` gets.
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

    /// The largest body accepted.
    let limit: Int
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
    /// Whether arriving bytes are thrown away rather than collected (the handler finished without reading).
    var skipping = false

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
            return false
        }
        if skipping { return true }
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

    /// Whether a chunked body's framing is within bounds: `rawBytes` arrived on the connection while
    /// the body did (size lines, extensions, CRLFs and trailers included), and each part of data allows
    /// `allowance` bytes of framing beside it, with one more allowance for the end. A chunk extension
    /// or trailer section that goes on and on crosses it while it is still arriving.
    func framingIsBounded(rawBytes: Int, allowance: Int) -> Bool {
        rawBytes - received <= (parts + 1) * allowance
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
        }
    }

    /// What is left of the request will not be read (the connection closes after the response).
    mutating func abandon() {
        if case .receiving = state {
            state = .abandoned
            bytes = nil
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
