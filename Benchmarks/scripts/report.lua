-- Appended to every wrk script by Benchmarks/run: prints one machine-readable line at the end.
-- Latencies are in microseconds; errors.status counts responses with a status above 399.
done = function(summary, latency, requests)
   io.write(string.format(
      "BENCH requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d mean_us=%.1f max_us=%d "
      .. "connect=%d read=%d write=%d status=%d timeout=%d\n",
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(99), latency.mean, latency.max,
      summary.errors.connect, summary.errors.read, summary.errors.write,
      summary.errors.status, summary.errors.timeout))
end
