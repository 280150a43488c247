import NIOCore
import NIOHTTP1

/// The parts of an `HTTPConnection` that serve one HTTP/2 stream (`wire` is `.http2Stream`): the
/// response goes to NIOHTTP2's codec as `HTTPServerResponsePart`s instead of HTTP/1.1 bytes.
extension HTTPConnection {
    /// Writes a response's bytes on the stream: the head first when this is its first write (made by
    /// `HTTPResponse` and kept in `pendingHTTP2Head`), the bytes as DATA, and the end of the stream when
    /// the response is finished. `promise` completes with the last write.
    func writeOnStream(_ data: IOData, for exchange: Exchange, finishesResponse: Bool, promise: EventLoopPromise<Void>?) {
        if let head = exchange.pendingHTTP2Head {
            exchange.pendingHTTP2Head = nil
            context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        }
        if data.readableBytes > 0 {
            context.write(NIOAny(HTTPServerResponsePart.body(data)), promise: finishesResponse ? nil : promise)
        } else if !finishesResponse {
            promise?.succeed()
        }
        if finishesResponse {
            writeEndOfStream(promise: promise)
        }
    }

    /// Ends the response's stream, noting when that is written (`streamResponseWritten`).
    private func writeEndOfStream(promise: EventLoopPromise<Void>?) {
        let written = promise ?? context.eventLoop.makePromise()
        streamResponseWritten = written.futureResult
        context.write(NIOAny(HTTPServerResponsePart.end(nil)), promise: written)
    }

    /// Sends an interim response (`100 Continue`) on the stream, at once.
    func sendInterimOnStream(_ status: HTTPResponseStatus) {
        context.writeAndFlush(
            NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: HTTPVersion(major: 2, minor: 0), status: status))),
            promise: nil)
    }

    /// Answers a request the server refuses before routing with `status` and a short text, ending the stream.
    func rejectOnStream(status: Int, withBody: Bool, head: HTTPRequestHead?) {
        let text = "\(status) \(StatusReason.phrase(status))\n"
        let responseHead = try? ResponseHead.http2Head(
            status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], framing: .length(text.utf8.count),
            date: executor.dateCache.current)
        guard let responseHead else { return }
        serverContext.observers?.refused(status: status, head: head, responseBodyBytes: withBody ? text.utf8.count : 0, on: self)
        context.write(NIOAny(HTTPServerResponsePart.head(responseHead)), promise: nil)
        if withBody { context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil) }
        writeEndOfStream(promise: nil)
    }
}
