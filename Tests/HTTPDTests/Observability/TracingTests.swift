@testable import HTTPD
import HTTPDRouting
import InMemoryTracing
import NIOHTTP1
import Testing
import Tracing

/// Spans through a real socket, into swift-distributed-tracing's in-memory tracer (given to the server,
/// not bootstrapped).
@Suite("Tracing")
struct TracingTests {
    @Test("each request runs in a server span named after the route, continuing the client's trace")
    func routedSpan() async throws {
        let tracer = InMemoryTracer()
        let seenInHandler = Locked<String?>(nil)
        let router = Router()
        try router.get("/users/:id") { request, response in
            seenInHandler.set(InstrumentationContext.current?.inMemorySpanContext?.spanID)
            try await response.write(status: 200, body: "user")
        }
        try router.get("/boom") { _, _ in throw HTTPError(503, "down") }
        try await TestServer.observed(by: [], tracer: tracer, mux: router) { test throws in
            let response = try await test.request(
                "/users/42?full=1",
                headers: [(InMemoryTracer.traceIDKey, "trace-7"), (InMemoryTracer.spanIDKey, "client-span"), ("User-Agent", "t/1")])
            #expect(response.status == 200)
            #expect(try await test.request("/boom").status == 503)
            #expect(try await test.request("/nowhere").status == 404)
            _ = await eventually { tracer.finishedSpans.count >= 3 }
        }
        let spans = tracer.finishedSpans
        #expect(spans.count == 3)
        let user = try #require(spans.first { $0.attributes["url.path"]?.toSpanAttribute() == "/users/42" })
        #expect(user.operationName == "GET /users/:id")
        #expect(user.kind == .server)
        #expect(user.traceID == "trace-7")
        #expect(user.parentSpanID == "client-span")
        #expect(seenInHandler.get() == user.spanID)
        #expect(user.attributes["http.route"]?.toSpanAttribute() == "/users/:id")
        #expect(user.attributes["http.response.status_code"]?.toSpanAttribute() == 200)
        #expect(user.attributes["url.query"]?.toSpanAttribute() == "full=1")
        #expect(user.attributes["user_agent.original"]?.toSpanAttribute() == "t/1")
        #expect(user.status == nil)
        let boom = try #require(spans.first { $0.operationName == "GET /boom" })
        #expect(boom.status?.code == .error)
        #expect(boom.attributes["http.response.status_code"]?.toSpanAttribute() == 503)
        // No route matched: the method alone names the span.
        let missing = try #require(spans.first { $0.attributes["url.path"]?.toSpanAttribute() == "/nowhere" })
        #expect(missing.operationName == "GET")
        #expect(missing.status == nil)
    }

    @Test("a handler that throws without answering: the span has the error and the 500 the server sends")
    func thrownError() async throws {
        struct Failure: Error {}
        let tracer = InMemoryTracer()
        try await TestServer.observed(by: [], tracer: tracer, routes: ["/f": { _, _ in throw Failure() }]) { test throws in
            #expect(try await test.request("/f").status == 500)
            _ = await eventually { tracer.finishedSpans.count >= 1 }
        }
        let span = try #require(tracer.finishedSpans.first)
        #expect(span.operationName == "GET")
        #expect(span.errors.count == 1)
        #expect(span.status?.code == .error)
        #expect(span.attributes["http.response.status_code"]?.toSpanAttribute() == 500)
    }

    @Test("the header extractor reads traceparent, and joins tracestate lines")
    func extractor() {
        var headers = HTTPHeaders()
        headers.add(name: "traceparent", value: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        headers.add(name: "tracestate", value: "a=1")
        headers.add(name: "TraceState", value: "b=2")
        let extractor = HTTPHeadersExtractor()
        #expect(extractor.extract(key: "traceparent", from: headers) == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(extractor.extract(key: "tracestate", from: headers) == "a=1,b=2")
        #expect(extractor.extract(key: "baggage", from: headers) == nil)
    }
}
