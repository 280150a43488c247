import NIOCore
import NIOHTTP1

/// Tells a connection that another protocol took over (a WebSocket) that the server is stopping
/// gracefully: it arrives as a user inbound event, as `HTTPConnection.beginDrain` does for HTTP.
package struct ServerStoppingEvent: Sendable {}

extension HTTPConnection {
    /// Hands the connection to another protocol once the `101 Switching Protocols` head was written:
    /// `install` adds that protocol's handlers at the end of the pipeline (behind this one), then the
    /// HTTP handlers leave it (this connection, NIOHTTP1's decoder, the traffic meter) and the HTTP
    /// timeouts stop. The channel stays registered with the server, so `stop()` still closes it and a
    /// graceful stop reaches it as a `ServerStoppingEvent`. Runs on the event loop.
    func handOver<Result>(installing install: (any Channel) throws -> Result) throws -> Result {
        let context = self.context!
        let channel = context.channel
        watchdog.stopAll()
        let result = try install(channel)
        let pipeline = channel.pipeline.syncOperations
        // The decoder read nothing after the upgrade request (it stops there); a client must wait for
        // the 101 before it sends anything else (RFC 6455 §4.1).
        removeRequestDecoder(from: pipeline)
        pipeline.removeHandler(meter, promise: nil)
        pipeline.removeHandler(context: context, promise: nil)
        channel.read()  // this connection held reading back while the handler ran
        return result
    }

    /// Takes NIOHTTP1's request decoder out of the pipeline (it holds a parser and room for the next
    /// request's headers): for a protocol switch, and while an event stream holds the connection.
    func removeRequestDecoder(from pipeline: ChannelPipeline.SynchronousOperations) {
        if let decoder = try? pipeline.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self) {
            pipeline.removeHandler(context: decoder, promise: nil)
        }
    }

    /// Writes the `101` head ahead of everything the new protocol sends.
    func writeSwitchingHead(_ head: ByteBuffer) {
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(head)), promise: nil)
    }
}
