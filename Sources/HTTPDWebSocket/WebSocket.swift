import HTTPD
import NIOCore

/// One WebSocket connection, as `HTTPResponse.webSocket` hands it to a handler: the client's messages
/// as an `AsyncSequence`, and ways to send and to close.
///
/// Sending waits while the client is not reading (backpressure); a client that reads nothing for the
/// send timeout is dropped. `send` throws `HTTPDError.connectionClosed` once the connection is closed.
public final class WebSocket: Sendable {
    /// The request that was upgraded.
    public let request: HTTPRequest
    /// The subprotocol the server picked (`WebSocketOptions.chooseSubprotocol`), or nil.
    public let subprotocol: String?
    /// The client's messages, each whole, in order; the sequence ends when the connection closes. Iterate it once.
    public let messages: Messages

    private let connection: WebSocketProtocolHandler
    private let channel: any Channel

    init(request: HTTPRequest, subprotocol: String?, connection: WebSocketProtocolHandler, channel: any Channel) {
        self.request = request
        self.subprotocol = subprotocol
        self.messages = Messages(inbox: connection.inbox)
        self.connection = connection
        self.channel = channel
    }

    /// Sends `message` as one frame, once the client has read enough of what was sent before.
    nonisolated(nonsending) public func send(_ message: WebSocketMessage) async throws {
        try await connection.send(.message(message))
    }

    /// Sends a text message.
    nonisolated(nonsending) public func send(text: String) async throws {
        try await send(.text(text))
    }

    /// Sends a binary message.
    nonisolated(nonsending) public func send(binary: [UInt8]) async throws {
        try await send(.binary(binary))
    }

    /// Starts the closing handshake with `code` and `reason` (cut to the 123 bytes a close frame holds),
    /// and returns once the connection is closed: when the client answers, or after the close timeout.
    nonisolated(nonsending) public func close(_ code: WebSocketCloseCode = .normalClosure, reason: String = "") async {
        var reason = reason
        while reason.utf8.count > 123 { reason.removeLast() }
        try? await connection.send(.close(code, reason: reason))
        try? await channel.closeFuture.get()
    }

    /// The client's messages (`WebSocket.messages`).
    public struct Messages: AsyncSequence, Sendable {
        /// Each element is a whole message.
        public typealias Element = WebSocketMessage
        let inbox: WebSocketInbox

        /// Makes the iterator (once per sequence).
        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(inbox: inbox)
        }

        /// Iterates the messages.
        public struct AsyncIterator: AsyncIteratorProtocol {
            let inbox: WebSocketInbox

            /// The next message, or nil once the connection closed.
            nonisolated(nonsending) public mutating func next() async throws -> WebSocketMessage? {
                await inbox.next()
            }
        }
    }
}
