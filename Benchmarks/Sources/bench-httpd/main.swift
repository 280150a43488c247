// swift-httpd benchmark server. Usage: bench-httpd PORT FILE_DIRECTORY
// (HTTPS instead with BENCH_TLS_CERT and BENCH_TLS_KEY: see startBenchServer.)
import BenchHTTPDServer

let server = try await startBenchServer(BenchArguments.parse())
await server.wait()
