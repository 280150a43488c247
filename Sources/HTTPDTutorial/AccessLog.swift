import HTTPD
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// One Common Log Format line per request, logged at info level:
/// `127.0.0.1 - - [25/Nov/2026:13:00:00 +0000] "GET / HTTP/1.1" 200 17`.
public enum AccessLog {
    /// The label of the access logger, so a logging backend can print its lines on their own.
    public static let label = "httpd.access"
    /// The logger access lines go to.
    public static let logger = Logger(label: label)

    /// `handler`, logging each request it serves once it has answered.
    public static func logged(_ handler: @escaping HTTPHandler) -> HTTPHandler {
        { request, response in
            defer { logger.info("\(line(request, response))") }
            try await handler(request, response)
        }
    }

    /// The Common Log Format line for an answered request.
    public static func line(_ request: HTTPRequest, _ response: HTTPResponse) -> String {
        let size = response.bytesSent > 0 ? String(response.bytesSent) : "-"
        return "\(request.client) - - [\(timestamp())] \"\(request.method) \(request.url) \(request.proto)\" \(response.status ?? 500) \(size)"
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Now, as `25/Nov/2026:13:00:00 +0000`.
    static func timestamp() -> String {
        var clock = time(nil)
        var parts = tm()
        gmtime_r(&clock, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(parts.tm_mday))/\(months[Int(parts.tm_mon)])/\(parts.tm_year + 1900):"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}

/// Writes each message alone on a line of standard output, the way web servers print access logs.
public struct AccessLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    public init() {}

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        print(event.message)
        fflush(nil)  // show each line at once, also when the output is piped
    }
}
