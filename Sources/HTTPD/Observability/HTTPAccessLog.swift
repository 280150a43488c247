#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// The access log: one line per exchange, the server's own refusals and timeouts included, logged at
/// `info` through a swift-log `Logger` with the fields also as metadata. Give it to the server:
///
/// ```swift
/// let server = try await HTTPServer.start(observers: [HTTPAccessLog(format: .combined)], addresses: [":8080"])
/// ```
///
/// The lines go to a logger labelled `HTTPAccessLog.label` by default; `AccessLogHandler` prints them
/// alone on standard output, the way web servers print access logs.
public struct HTTPAccessLog: HTTPServerObserver {
    /// How a line is written.
    public enum Format: String, Sendable, CaseIterable {
        /// Common Log Format: `127.0.0.1 - - [29/Nov/2026:13:00:00 +0000] "GET / HTTP/1.1" 200 17`.
        case common = "clf"
        /// Combined: Common Log Format then the quoted `Referer` and `User-Agent`.
        case combined
        /// One JSON object per line, for log shippers.
        case json
    }

    /// The label of the access logger, so a logging backend can print its lines on their own.
    public static let label = "httpd.access"

    /// How lines are written.
    public let format: Format
    /// Where they go.
    public let logger: Logger

    /// An access log writing `format` lines to `logger` (by default one labelled `label`).
    public init(format: Format = .common, logger: Logger = Logger(label: HTTPAccessLog.label)) {
        self.format = format
        self.logger = logger
    }

    /// Logs the exchange's line, with its fields as metadata.
    public func exchangeCompleted(_ record: HTTPExchangeRecord) {
        logger.info("\(Self.line(record, format: format))", metadata: Self.metadata(record))
    }

    /// The line for `record` in `format`.
    public static func line(_ record: HTTPExchangeRecord, format: Format) -> String {
        switch format {
        case .common: commonLine(record)
        case .combined: commonLine(record) + " \"\(quoted(record.referer))\" \"\(quoted(record.userAgent))\""
        case .json: jsonLine(record)
        }
    }

    /// The fields of `record` as log metadata (`status`, `method`, `duration_ms`, `ending`, …).
    public static func metadata(_ record: HTTPExchangeRecord) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "client": "\(record.client)", "response_bytes": "\(record.responseBodyBytes)",
            "request_bytes": "\(record.requestBodyBytes)", "duration_ms": "\(milliseconds(record.duration))",
            "ending": "\(record.ending.name)",
        ]
        if let port = record.clientPort { metadata["client_port"] = "\(port)" }
        if let request = record.request {
            metadata["method"] = "\(request.method)"
            metadata["target"] = "\(request.target)"
            metadata["version"] = "\(request.version)"
        }
        if let status = record.status { metadata["status"] = "\(status)" }
        if let reason = record.ending.reason { metadata["reason"] = "\(reason)" }
        if let referer = record.referer { metadata["referer"] = "\(referer)" }
        if let agent = record.userAgent { metadata["user_agent"] = "\(agent)" }
        if let host = record.host { metadata["host"] = "\(host)" }
        return metadata
    }

    // MARK: Common Log Format

    private static func commonLine(_ record: HTTPExchangeRecord) -> String {
        let request = record.request.map { "\($0.method) \($0.target) \($0.version)" }
        let status = record.status.map(String.init) ?? "-"
        let size = record.responseBodyBytes > 0 ? String(record.responseBodyBytes) : "-"
        return "\(record.client) - - [\(commonTime(record.startTime))] \"\(quoted(request))\" \(status) \(size)"
    }

    /// A value for a quoted field: `-` when absent; `"`, `\` and control bytes escaped as Apache does.
    static func quoted(_ value: String?) -> String {
        guard let value else { return "-" }
        guard value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") })
        else { return value }
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: escaped += "\\x" + hex2(UInt8(scalar.value))
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `time` as `29/Nov/2026:13:00:00 +0000`.
    static func commonTime(_ time: Duration) -> String {
        let parts = utc(time)
        return "\(two(parts.tm_mday))/\(months[Int(parts.tm_mon)])/\(parts.tm_year + 1900):"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }

    // MARK: JSON lines

    private static func jsonLine(_ record: HTTPExchangeRecord) -> String {
        var fields: [String] = [
            "\"time\":\"\(isoTime(record.startTime))\"", "\"client\":\(json(record.client))",
            "\"client_port\":\(record.clientPort.map(String.init) ?? "null")",
            "\"method\":\(json(record.request?.method))", "\"target\":\(json(record.request?.target))",
            "\"version\":\(json(record.request?.version))", "\"status\":\(record.status.map(String.init) ?? "null")",
            "\"response_bytes\":\(record.responseBodyBytes)", "\"request_bytes\":\(record.requestBodyBytes)",
            "\"duration_ms\":\(milliseconds(record.duration))",
            "\"referer\":\(json(record.referer))", "\"user_agent\":\(json(record.userAgent))",
            "\"host\":\(json(record.host))", "\"ending\":\"\(record.ending.name)\"",
        ]
        if let reason = record.ending.reason { fields.append("\"reason\":\"\(reason)\"") }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// A JSON string (or `null`).
    static func json(_ value: String?) -> String {
        value.map(JSONText.quoted) ?? "null"
    }

    /// `time` as `2026-11-29T13:00:00.123Z`.
    static func isoTime(_ time: Duration) -> String {
        let parts = utc(time)
        let millis = Int(time.components.attoseconds / 1_000_000_000_000_000)
        let milliText = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(milliText)Z"
    }

    // MARK: Helpers

    /// A duration in milliseconds, to the microsecond: `0.412`.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    private static func utc(_ time: Duration) -> tm {
        var clock = time_t(time.components.seconds)
        var parts = tm()
        gmtime_r(&clock, &parts)
        return parts
    }

    private static func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func hex2(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
