import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A swift-log handler that writes each message alone on a line of standard output, the way web
/// servers print access logs: bootstrap it for the `HTTPAccessLog.label` logger.
///
/// ```swift
/// LoggingSystem.bootstrap { label -> any LogHandler in
///     label == HTTPAccessLog.label ? AccessLogHandler() : StreamLogHandler.standardError(label: label)
/// }
/// ```
public struct AccessLogHandler: LogHandler {
    /// The lowest level printed.
    public var logLevel: Logger.Level = .info
    /// Metadata (not printed: an access line is the whole message).
    public var metadata: Logger.Metadata = [:]

    /// A handler printing messages at `info` and above.
    public init() {}

    /// The metadata value for `key`.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Prints the message and flushes, so each line shows at once, also when the output is piped.
    public func log(event: LogEvent) {
        print(event.message)
        fflush(nil)
    }
}
