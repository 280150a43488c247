// The swift-httpd benchmark server with the main thread in a plain blocking wait, for valgrind
// (which has crashed on an async main). Usage: bench-httpd-callgrind PORT FILE_DIRECTORY
// The server starts in a detached task: top-level code is main-actor isolated, and the main thread
// never runs the main actor here.
// BENCH_HTTPD_METRICS=prometheus bootstraps swift-metrics with swift-prometheus first, so the server
// reports its metrics (the "with a backend" cost); without it no backend is bootstrapped.
import BenchHTTPDServer
import Dispatch
import Glibc
import Metrics
import Prometheus

let arguments = BenchArguments.parse()
if let backend = getenv("BENCH_HTTPD_METRICS"), String(cString: backend) == "prometheus" {
    MetricsSystem.bootstrap(PrometheusMetricsFactory())
}
let started = DispatchSemaphore(value: 0)
Task.detached {
    do {
        let server = try await startBenchServer(arguments)
        started.signal()
        await server.wait()
    } catch {
        printError("bench-httpd-callgrind: \(error)")
        exit(1)
    }
    exit(0)
}
started.wait()
// The server runs on its own threads; the main thread only waits until the process is signalled.
let stop = DispatchSemaphore(value: 0)
stop.wait()
