#if canImport(Glibc)
import Glibc
#endif
@testable import HTTPD
import MetricsTestKit
import NIOCore
import Testing

/// Metrics through a real socket, into swift-metrics' in-memory factory (given to the server, not
/// bootstrapped: tests run in parallel and the process-wide bootstrap happens once).
@Suite("Metrics")
struct MetricsTests {
    static func labels(_ method: String, _ status: Int) -> [(String, String)] {
        [("http.request.method", method), ("http.response.status_code", String(status)), ("network.protocol.version", "1.1")]
    }

    @Test("requests are timed by method and status, sizes recorded, refusals counted by reason")
    func requests() async throws {
        let metrics = TestMetrics()
        try await TestServer.observed(
            by: [HTTPMetrics(factory: metrics)], settings: testSettings { $0.maxRequestBodyLength = 1000 },
            routes: [
                "/x": { request, response in
                    let body = try await request.body() ?? []
                    try await response.write(status: 200, body: "got \(body.count)")
                }
            ]
        ) { test throws in
            #expect(try await test.request("/x").status == 200)
            #expect(try await test.request("/x", method: .POST, body: Array(repeating: 1, count: 10)).status == 200)
            #expect(try await test.request("/x", method: .POST, body: Array(repeating: 1, count: 100)).status == 200)
            let client = try await RawClient.connect(
                port: test.port, sending: "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
            #expect(try await client.readResponse()?.status == 413)
            let counted = await eventually {
                (try? metrics.expectCounter("httpd.server.refused_requests", [("reason", "body_too_large")]).totalValue) == 1
            }
            #expect(counted)
            let gets = try metrics.expectTimer("http.server.request.duration", Self.labels("GET", 200))
            #expect(gets.values.count == 1)
            #expect(gets.values.allSatisfy { $0 > 0 })
            let posts = try metrics.expectTimer("http.server.request.duration", Self.labels("POST", 200))
            #expect(posts.values.count == 2)
            let requestSizes = try metrics.expectRecorder("http.server.request.body.size", Self.labels("POST", 200))
            #expect(requestSizes.values == [10, 100])
            // A request without a body records no size.
            #expect(try metrics.expectRecorder("http.server.request.body.size", Self.labels("GET", 200)).values.isEmpty)
            let responseSizes = try metrics.expectRecorder("http.server.response.body.size", Self.labels("POST", 200))
            #expect(responseSizes.values == [6, 7])
            #expect(try metrics.expectTimer("http.server.request.duration", Self.labels("PUT", 413)).values.count == 1)
            // Every request that reached a handler is over: none in flight.
            #expect(try metrics.expectMeter("http.server.active_requests").lastValue == 0)
            #expect(try metrics.expectMeter("httpd.server.open_connections").lastValue ?? 0 >= 1)
        }
        // The server stopped: every connection closed.
        let closed = await eventually { (try? metrics.expectMeter("httpd.server.open_connections").lastValue) == 0 }
        #expect(closed)
    }

    @Test("methods outside the standard ones are labelled _OTHER; timeouts count as refusals by stage")
    func otherMethodAndTimeout() async throws {
        let metrics = TestMetrics()
        try await TestServer.observed(
            by: [HTTPMetrics(factory: metrics)], settings: testSettings { $0.requestTimeout = .seconds(1) },
            routes: ["/x": { _, response in try await response.write(status: 204) }]
        ) { test throws in
            let other = try await RawClient.connect(port: test.port, sending: "BREW /x HTTP/1.1\r\nHost: x\r\n\r\n")
            let status = try #require(try await other.readResponse()?.status)
            let stalled = try await RawClient.connect(port: test.port, sending: "GET /x HTTP/1.1\r\n")
            #expect(try await stalled.readResponse()?.status == 408)
            let counted = await eventually {
                (try? metrics.expectCounter("httpd.server.refused_requests", [("reason", "request_head")]).totalValue) == 1
            }
            #expect(counted)
            #expect(try metrics.expectTimer("http.server.request.duration", Self.labels("_OTHER", status)).values.count == 1)
        }
    }

    @Test("a listener's accept failure for want of descriptors is counted")
    func acceptFailures() async throws {
        let metrics = TestMetrics()
        try await TestServer.observed(by: [HTTPMetrics(factory: metrics)]) { test throws in
            let listener = try #require(test.server.listenerChannels.first).channel
            listener.pipeline.fireErrorCaught(IOError(errnoCode: EMFILE, reason: "accept"))
            let counted = await eventually {
                (try? metrics.expectCounter("httpd.server.accept_failures", [("error", "descriptors")]).totalValue) == 1
            }
            #expect(counted)
            // Accepting resumes after the pause.
            #expect(try await test.request("/").status == 404)
        }
    }
}
