import HTTPD
import NIOCore
import NIOHTTP2

/// Sets up a connection that speaks HTTP/2: NIOHTTP2's handler (framing, HPACK, flow control, stream
/// states and its defences against floods and resets) with a stream per request, each stream served
/// by the core's exchange behind NIOHTTP2's HTTP/1-style codec; NIOHTTP2's connection manager for the
/// idle timeout and graceful close (GOAWAY); the relay that turns the server's graceful stop into
/// that graceful close; and `GoAwayCloser`, which makes every GOAWAY end the connection in bounded time.
enum HTTP2Connection {
    /// Adds the HTTP/2 handlers at the end of `channel`'s pipeline, which is active already (after the
    /// TLS handshake, or once the preface was seen). On the channel's event loop.
    static func configure(on channel: any Channel, serving: HTTPServing, options: HTTP2Options) throws {
        let settings = serving.settings
        let manager = NIOHTTP2ServerConnectionManagementHandler(
            eventLoop: channel.eventLoop,
            configuration: .init(
                maxIdleTime: TimeAmount(settings.requestTimeout), maxAge: nil, maxGraceTime: nil, keepalive: nil))
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: options.maxConcurrentStreams),
            HTTP2Setting(parameter: .initialWindowSize, value: options.windowSize),
            HTTP2Setting(parameter: .maxHeaderListSize, value: headerListSize(settings)),
        ]
        connection.targetWindowSize = max(options.windowSize, 65_535)
        var stream = NIOHTTP2Handler.StreamConfiguration()
        stream.targetWindowSize = options.windowSize
        let sync = channel.pipeline.syncOperations
        // Below NIOHTTP2's handler: ends the connection after the GOAWAYs it sends.
        try sync.addHandler(GoAwayCloser(acknowledgementTimeout: TimeAmount(settings.requestTimeout)))
        _ = try sync.configureHTTP2Pipeline(
            mode: .server, connectionConfiguration: connection, streamConfiguration: stream,
            streamDelegate: manager.http2StreamDelegate
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                try serving.serveHTTP2Stream(on: stream)
            }
        }
        try sync.addHandler(ServerStopRelay())
        try sync.addHandler(manager)
        // The channel became active before the manager joined: start its timers as activation would.
        manager.channelActive(context: try sync.context(handler: manager))
        // NIOHTTP2's handler wrote the server's SETTINGS when it joined the active channel: send them
        // now, not with the first response (clients wait for them before opening more streams).
        channel.flush()
    }

    /// `SETTINGS_MAX_HEADER_LIST_SIZE` (RFC 9113 §6.5.2: names, values and 32 bytes per field, after
    /// HPACK decoding): room for `maxRequestHeaders` fields of names and values up to `maxTokenLength`,
    /// as HTTP/1.1's decoder allows; each field is then checked as over HTTP/1.1 (431).
    static func headerListSize(_ settings: HTTPSettings) -> Int {
        min(settings.maxRequestHeaders, 4096) * (2 * settings.maxTokenLength + 32)
    }
}

/// Turns the server's graceful stop (`ServerStoppingEvent`, sent to connections no longer served by the
/// HTTP/1.1 handler) into NIO's `ChannelShouldQuiesceEvent`, on which NIOHTTP2's connection manager
/// sends GOAWAY, lets the open streams finish and closes.
final class ServerStopRelay: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ServerStoppingEvent {
            context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
