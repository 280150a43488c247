import HTTPD
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `httpd --metrics --log-format json` as a whole process: the access log on standard output shows
/// the server's own refusals, and /metrics serves Prometheus text whose counters move.
@Suite("httpd --metrics --log-format")
struct DemoObservabilityTests {
    @Test("JSON access lines for a handled request and a 413; Prometheus text at /metrics")
    func metricsAndJSONLog() async throws {
        guard let httpd = SupervisorTests.httpdBinary else { return }  // the demo is not built beside the tests
        let port = try await SupervisorTests.freePort()
        let log = "/tmp/httpd-observability-test-\(getpid()).log"
        defer { unlink(log) }
        let pid = try SupervisorTests.spawn(
            [httpd, "--address", "127.0.0.1:\(port)", "--metrics", "--log-format", "json", "--max-body", "1000"], log: log)
        defer {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        let up = await eventually(within: .seconds(30)) { SupervisorTests.read(log).contains("Serving HTTP on") }
        try #require(up, "\(SupervisorTests.read(log))")
        #expect(try await ClientRequest.get("http://127.0.0.1:\(port)/").status == 200)
        let client = try await RawClient.connect(
            port: port, sending: "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
        #expect(try await client.readResponse()?.status == 413)

        let metrics = try await ClientRequest.get("http://127.0.0.1:\(port)/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["Content-Type"].first?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(metrics.text.contains(#"http_server_request_duration_count{http_request_method="GET",http_response_status_code="200",network_protocol_version="1.1"} 1"#))
        #expect(metrics.text.contains(#"httpd_server_refused_requests{reason="body_too_large"} 1"#))
        #expect(metrics.text.contains("httpd_server_open_connections"))

        let lines = await eventually { SupervisorTests.read(log).contains("\"status\":413") }
        #expect(lines, "\(SupervisorTests.read(log))")
        let text = SupervisorTests.read(log)
        #expect(text.contains(#""method":"GET","target":"/","version":"HTTP/1.1","status":200"#))
        #expect(text.contains(#""method":"POST","target":"/echo","version":"HTTP/1.1","status":413"#))
        #expect(text.contains(#""ending":"refused","reason":"body_too_large"}"#))
    }
}
