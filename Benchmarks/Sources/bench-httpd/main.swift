// swift-httpd benchmark server. Usage: bench-httpd PORT FILE_DIRECTORY
import BenchHTTPDServer

let server = try await startBenchServer(BenchArguments.parse())
await server.wait()
