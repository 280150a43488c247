import Logging
import NIOConcurrencyHelpers

/// A log handler that keeps every message, for tests that check what a server logged.
struct CapturedLog: LogHandler {
    /// The messages logged so far, shared by every copy of the handler.
    final class Messages: Sendable {
        private let lines = NIOLockedValueBox<[String]>([])
        /// Every message, in order.
        var all: [String] { lines.withLockedValue { $0 } }
        func append(_ line: String) { lines.withLockedValue { $0.append(line) } }
    }

    let messages: Messages
    /// Whether each line carries the event's metadata too, as ` key=value` sorted by key.
    var withMetadata = false
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard withMetadata else { return messages.append(event.message.description) }
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        messages.append(([event.message.description] + fields).joined(separator: " "))
    }

    /// A logger whose messages (with their metadata when `withMetadata`) end up in the returned `Messages`.
    static func logger(withMetadata: Bool = false) -> (Logger, Messages) {
        let messages = Messages()
        return (Logger(label: "test") { _ in CapturedLog(messages: messages, withMetadata: withMetadata) }, messages)
    }
}
