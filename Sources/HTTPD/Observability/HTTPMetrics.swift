import CoreMetrics
import NIOConcurrencyHelpers
import NIOCore

/// A server's metrics through swift-metrics, so any backend shows them (Prometheus, StatsD,
/// OpenTelemetry), named after the OpenTelemetry HTTP server semantic conventions where one exists:
///
/// | name | kind | labels |
/// |---|---|---|
/// | `http.server.request.duration` | timer | `http.request.method`, `http.response.status_code`, `network.protocol.version` |
/// | `http.server.request.body.size` | recorder (bytes; requests with a body only) | the same |
/// | `http.server.response.body.size` | recorder (bytes) | the same |
/// | `http.server.active_requests` | meter | – |
/// | `httpd.server.open_connections` | meter | – |
/// | `httpd.server.refused_requests` | counter | `reason` (`body_too_large`, `request_head`, … as `HTTPExchangeRecord.Ending.reason`) |
/// | `httpd.server.interrupted_requests` | counter | `ending` (`handler_failed`, `client_gone`) |
/// | `httpd.server.accept_failures` | counter | `error` (`descriptors` for EMFILE/ENFILE, else `other`) |
///
/// OpenTelemetry names no metric for a server's connections, refusals or accept failures: those
/// carry the `httpd.` prefix. An exchange that got no status on the wire (the client left first) is
/// counted only in `interrupted_requests`. Methods outside the standard ones are labelled `_OTHER`,
/// as the conventions say, so a client cannot grow the label sets.
///
/// A server reports to `HTTPMetrics()` on its own when a backend is bootstrapped
/// (`MetricsSystem.bootstrap`); pass `HTTPMetrics(factory:)` in `observers` to choose the factory.
/// Each metric object is made once per label set, not per request.
public final class HTTPMetrics: HTTPServerObserver {
    /// The per-request metrics of one label set. The recorders are the backend's handlers, called
    /// directly: `Recorder.record` is generic, and unspecialized it costs hundreds of instructions.
    private struct Series {
        let duration: CoreMetrics.Timer
        let requestBodySize: any RecorderHandler
        let responseBodySize: any RecorderHandler
    }

    /// The methods that keep their name in labels (RFC 9110's and PATCH); the rest are `_OTHER`, last.
    private static let methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "_OTHER"]

    private let factory: any MetricsFactory
    private let activeRequests: Meter
    private let openConnections: Meter
    /// The per-request metrics by label set, keyed `status << 5 | method index << 1 | HTTP/1.0` (an
    /// integer hashes in a few instructions, strings in hundreds).
    private let series = NIOLockedValueBox<[Int: Series]>([:])
    private let counters = NIOLockedValueBox<[String: Counter]>([:])

    /// Metrics reported to `factory`: the bootstrapped backend by default.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        activeRequests = Meter(label: "http.server.active_requests", factory: factory)
        openConnections = Meter(label: "httpd.server.open_connections", factory: factory)
    }

    /// Counts the connection.
    public func connectionOpened() {
        openConnections.increment()
    }

    /// Counts the connection out.
    public func connectionClosed() {
        openConnections.decrement()
    }

    /// Counts the failure, as `descriptors` when the process ran out of file descriptors.
    public func acceptFailed(_ error: any Error) {
        let outOfDescriptors = (error as? IOError).map { $0.errnoCode == 24 || $0.errnoCode == 23 } ?? false  // EMFILE, ENFILE
        counter("httpd.server.accept_failures", "error", outOfDescriptors ? "descriptors" : "other").increment()
    }

    /// Counts the request in flight.
    public func requestStarted(method: String) {
        activeRequests.increment()
    }

    /// Records the exchange's duration and sizes under its method and status, and counts refusals,
    /// timeouts and responses cut short.
    public func exchangeCompleted(_ record: HTTPExchangeRecord) {
        if record.reachedHandler { activeRequests.decrement() }
        switch record.ending {
        case .completed: break
        case .refused, .timedOut: counter("httpd.server.refused_requests", "reason", record.ending.reason ?? "").increment()
        case .handlerFailed, .clientGone: counter("httpd.server.interrupted_requests", "ending", record.ending.name).increment()
        }
        guard let status = record.status else { return }
        let version: Int
        switch record.request?.version {
        case "HTTP/1.0"?: version = 1
        case "HTTP/2.0"?: version = 2
        default: version = 0
        }
        let series = series(status: status, method: Self.methodIndex(record.request?.method), version: version)
        series.duration.recordNanoseconds(record.durationNanoseconds)
        if record.requestBodyBytes > 0 { series.requestBodySize.record(Int64(record.requestBodyBytes)) }
        series.responseBodySize.record(Int64(record.responseBodyBytes))
    }

    /// The metrics of one label set, made on first use.
    /// `network.protocol.version` by index: HTTP/1.1, HTTP/1.0, HTTP/2.
    private static let versions = ["1.1", "1.0", "2"]

    private func series(status: Int, method: Int, version: Int) -> Series {
        let key = status << 6 | method << 2 | version
        return series.withLockedValue { all in
            if let existing = all[key] { return existing }
            let dimensions = [
                ("http.request.method", Self.methods[method]), ("http.response.status_code", String(status)),
                ("network.protocol.version", Self.versions[version]),
            ]
            let made = Series(
                duration: CoreMetrics.Timer(label: "http.server.request.duration", dimensions: dimensions, factory: factory),
                requestBodySize: factory.makeRecorder(label: "http.server.request.body.size", dimensions: dimensions, aggregate: true),
                responseBodySize: factory.makeRecorder(label: "http.server.response.body.size", dimensions: dimensions, aggregate: true))
            all[key] = made
            return made
        }
    }

    /// The counter `label` with one dimension, made on first use.
    private func counter(_ label: String, _ dimension: String, _ value: String) -> Counter {
        counters.withLockedValue { all in
            let key = "\(label)\u{0}\(value)"
            if let existing = all[key] { return existing }
            let made = Counter(label: label, dimensions: [(dimension, value)], factory: factory)
            all[key] = made
            return made
        }
    }

    /// `method`'s index in `methods`: the standard ones by name, anything else `_OTHER`.
    private static func methodIndex(_ method: String?) -> Int {
        switch method {
        case "GET": 0
        case "HEAD": 1
        case "POST": 2
        case "PUT": 3
        case "DELETE": 4
        case "CONNECT": 5
        case "OPTIONS": 6
        case "TRACE": 7
        case "PATCH": 8
        default: 9
        }
    }
}
