import HTTPD
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// One Common Log Format line per request, logged at info level once the request is answered:
/// `127.0.0.1 - - [25/Nov/2026:13:00:00 +0000] "GET / HTTP/1.1" 200 17`.
///
/// ```swift
/// router.use(AccessLog.middleware())
/// ```
///
/// Lines go to a logger labelled `AccessLog.label`; `AccessLogHandler` prints them alone on standard
/// output, the way web servers print access logs.
public enum AccessLog {
    /// The label of the access logger, so a logging backend can print its lines on their own.
    public static let label = "httpd.access"

    /// Middleware logging one line per request to `logger` (by default one labelled `label`), after the
    /// handler has answered.
    public static func middleware(logger: Logger = Logger(label: label)) -> Middleware {
        Middleware { request, response, next in
            defer { logger.info("\(line(request, response))") }
            try await next(request, response)
        }
    }

    /// The Common Log Format line for an answered request (status 500 if none was sent yet: the server
    /// answers a handler that threw with one).
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
