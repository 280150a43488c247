import HTTPD

#if canImport(Glibc)
import Glibc
#endif

/// One Common Log Format line per request on standard output:
/// `127.0.0.1 - - [25/Nov/2026:13:00:00 +0000] "GET / HTTP/1.1" 200 17`.
enum AccessLog {
    /// `handler`, logging each request it serves once it has answered.
    static func logged(_ handler: @escaping HTTPHandler) -> HTTPHandler {
        { request, response in
            defer {
                let size = response.bytesSent > 0 ? String(response.bytesSent) : "-"
                print("\(request.client) - - [\(timestamp())] \"\(request.method) \(request.url) \(request.proto)\" \(response.status ?? 500) \(size)")
                fflush(nil)  // show each line at once, also when the output is piped
            }
            try await handler(request, response)
        }
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
