import NIOHTTP1
import Tracing

/// Runs each request's handler in a server span of a swift-distributed-tracing tracer: the trace
/// context the client sent (W3C `traceparent`/`tracestate`, or whatever the tracer reads) continued,
/// the OpenTelemetry HTTP server attributes set, and the span current while the handler runs, so the
/// calls it makes join the trace. Without a tracer the connection never comes here.
enum RequestTracing {
    /// The tracer bootstrapped with `InstrumentationSystem`, or nil when there is none (the no-op one).
    static var bootstrappedTracer: (any Tracer)? {
        let tracer = InstrumentationSystem.tracer
        return tracer is NoOpTracer ? nil : tracer
    }

    /// `handler`, run in a span of `tracer`.
    static func traced(_ handler: @escaping HTTPHandler, by tracer: any Tracer) -> HTTPHandler {
        { request, response in try await run(handler, request: request, response: response, tracer: tracer) }
    }

    /// Runs `handler` in a server span named `METHOD route` (the router's pattern, `GET /todos/:id`) or
    /// `METHOD` alone when no router named the route; a 5xx status marks the span as an error.
    nonisolated(nonsending) static func run<T: Tracer>(
        _ handler: HTTPHandler, request: HTTPRequest, response: HTTPResponse, tracer: T
    ) async throws {
        var context = InstrumentationContext.topLevel
        tracer.extract(request.fields, into: &context, using: HTTPHeadersExtractor())
        let span = tracer.startSpan(request.method, context: context, ofKind: .server)
        defer { span.end() }
        span.attributes["http.request.method"] = request.method
        span.attributes["url.path"] = request.path
        if let query = request.params { span.attributes["url.query"] = query }
        span.attributes["url.scheme"] = request.scheme
        span.attributes["network.protocol.version"] = request.proto == "HTTP/1.0" ? "1.0" : request.proto == "HTTP/2.0" ? "2" : "1.1"
        span.attributes["client.address"] = request.client
        if let port = request.clientPort { span.attributes["client.port"] = port }
        if let host = request.host { span.attributes["server.address"] = host }
        if let agent = request.header("User-Agent") { span.attributes["user_agent.original"] = agent }
        do {
            try await InstrumentationContext.$current.withValue(span.context) {
                try await handler(request, response)
            }
        } catch {
            span.recordError(error)
            // Unanswered, the server answers with the error's status (`HTTPResponse.handlerDidFinish`).
            finish(span, request: request, status: response.status ?? (error as? HTTPDError)?.responseStatus ?? 500)
            throw error
        }
        finish(span, request: request, status: response.status ?? 500)
    }

    /// Names the span after the route the router matched, and sets the status.
    private static func finish(_ span: some Span, request: HTTPRequest, status: Int) {
        if let route = request.route {
            span.operationName = "\(request.method) \(route)"
            span.attributes["http.route"] = route
        }
        span.attributes["http.response.status_code"] = status
        if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
    }
}

/// Reads trace context from request headers, for a tracer's `extract` (repeated fields joined with
/// commas, as `tracestate` may come split over several lines).
struct HTTPHeadersExtractor: Extractor {
    func extract(key: String, from headers: HTTPHeaders) -> String? {
        let values = headers[key]
        return values.isEmpty ? nil : values.joined(separator: ",")
    }
}
