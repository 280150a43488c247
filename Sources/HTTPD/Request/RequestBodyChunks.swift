import NIOCore

/// A request body as it arrives, one chunk (a `ByteBuffer`) at a time: `request.bodyChunks`.
///
/// The connection reads the socket only while the handler waits for a chunk (and one read ahead), so
/// a handler that consumes slowly slows the client down instead of making the server buffer: a
/// connection holds about one read (at most 64 KiB, or `inputBufferSize` when larger) of unread body,
/// whatever the client sends. Iterating throws `HTTPDError.requestBodyTooLarge` past the request's
/// limit, `.requestTimedOut` when the client sends nothing for the request timeout while the handler
/// waits, `.malformedRequestBody` for bad chunked framing and `.connectionClosed` when the client goes
/// away; the client then gets 413, 400 or 408 (if the handler lets the error escape) and a close.
public struct RequestBodyChunks: AsyncSequence, Sendable {
    /// One piece of the body, as it came off the socket.
    public typealias Element = ByteBuffer
    /// Any error reading the body (an `HTTPDError`).
    public typealias Failure = any Error

    let request: HTTPRequest

    /// Iterates the chunks; the first step sends `100 Continue` to a client that waits for it.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(request: request)
    }

    /// Takes the body's chunks in order; nil at its end. Every iterator of one request takes from the
    /// same body: a chunk is delivered once.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let request: HTTPRequest

        /// The next chunk, or nil at the end of the body.
        public mutating func next() async throws -> ByteBuffer? {
            try await request.nextBodyChunk()
        }

        /// The next chunk, or nil at the end of the body (on the caller's executor).
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> ByteBuffer? {
            try await request.nextBodyChunk()
        }
    }
}
