import NIOCore

extension HTTPConnection {
    /// Whether an event stream about to answer `exchange` is this connection's last response
    /// (`Connection: close`): over HTTP/1.x, where the stream holds the connection until its handler
    /// returns, so a request pipelined behind it would wait that long. A `HEAD` request gets the head
    /// only and the connection carries on; an HTTP/2 stream is one request anyway.
    static func eventStreamEndsConnection(_ exchange: Exchange) -> Bool {
        exchange.connection.wire == .http1 && !exchange.isHead
    }

    /// An event stream's head went out on an HTTP/1.x connection that closes after it: nothing the
    /// client sends from now on is read as a request, so NIOHTTP1's decoder leaves the pipeline (about
    /// 2 KiB a held stream saves) and what arrives is thrown away by the traffic meter. The connection
    /// still notices the client leaving (end of file, reset, a failed write) as before. On the event loop.
    ///
    /// The decoder stays when the request has a body still to come (the handler may read it while it
    /// streams) or the connection is no longer serving this exchange. A request without a body may not
    /// have been ended yet (the handler runs as soon as its head is decoded): NIO takes the decoder out
    /// once it has handed on what it already decoded, the request's end among it.
    func stopReadingRequests(whileStreaming exchange: Exchange) {
        guard wire == .http1, phase == .open, exchange === self.exchange, exchange.closeReason != nil,
            exchange.body.isEnded || !exchange.body.declared, let context
        else { return }
        meter.discard(upTo: Self.lingerByteLimit)
        removeRequestDecoder(from: context.channel.pipeline.syncOperations)
    }
}
