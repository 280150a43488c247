import Logging
import NIOCore

/// What a protocol selector (`HTTPListener.Transport.ProtocolSelector`) gets to set up one accepted
/// connection once it knows the protocol: the HTTP/1.1 handlers on the connection's channel, or the
/// handler that serves one HTTP/2 stream on a stream's channel. Every method runs on the channel's
/// event loop.
package struct HTTPServing: Sendable {
    let serverContext: ServerContext
    let transport: ConnectionTransport

    /// The server's settings (for the limits and timeouts an HTTP/2 connection advertises and enforces).
    package var settings: HTTPSettings { serverContext.settings }

    /// The server's logger.
    package var logger: Logger { serverContext.logger }

    /// Serves `channel` as HTTP/1.1: adds the HTTP/1.1 handlers at the end of its pipeline.
    package func serveHTTP1(on channel: any Channel) throws {
        try Listener.addHTTP1Handlers(to: channel, serverContext: serverContext, transport: transport)
    }

    /// Serves one HTTP/2 stream: adds the handler that runs the request's handler and writes its
    /// response as `HTTPServerResponsePart`s, behind NIOHTTP2's `HTTP2FramePayloadToHTTP1ServerCodec`
    /// (which the caller adds first). Files go out in chunks: a stream carries no `FileRegion`.
    package func serveHTTP2Stream(on stream: any Channel) throws {
        let streamTransport = ConnectionTransport(isSecure: transport.isSecure, allowsFileRegions: false, details: transport.details)
        try Listener.addHTTP2StreamHandler(to: stream, serverContext: serverContext, transport: streamTransport)
    }
}
