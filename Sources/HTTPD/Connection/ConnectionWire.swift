/// Which framing an `HTTPConnection` speaks to its channel. What is about one exchange (starting the
/// handler, the request body, the response's progress, backpressure, timeouts) is the same for both;
/// what differs is how a response reaches the wire and how the connection ends.
enum ConnectionWire: Sendable {
    /// HTTP/1.x on a TCP connection (or inside TLS): requests one after another on the same channel,
    /// responses encoded here into bytes, closed with a linger.
    case http1
    /// One HTTP/2 stream, a child channel of NIOHTTP2's multiplexer behind its
    /// `HTTP2FramePayloadToHTTP1ServerCodec`: one request, its response written as `HTTPServerResponsePart`s
    /// (the codec makes the HEADERS and DATA frames), closed by the stream's end or a reset.
    case http2Stream
}
