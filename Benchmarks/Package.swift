// swift-tools-version:6.0
// The side-by-side benchmark: one small release-built server per framework, each answering the
// same four endpoints (see README.md). A package of its own so that the library's dependency graph
// stays clean.
import PackageDescription

let package = Package(
    name: "swift-httpd-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-httpd", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/swhitty/FlyingFox.git", from: "0.27.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // swift-httpd: the server setup shared by the benchmarked binary and the callgrind binary.
        .target(
            name: "BenchHTTPDServer",
            dependencies: [
                .product(name: "HTTPD", package: "swift-httpd"),
                .product(name: "HTTPDRouting", package: "swift-httpd"),
                // HTTPS for the TLS scenarios, with BENCH_TLS_CERT and BENCH_TLS_KEY (see README.md).
                .product(name: "HTTPDTLS", package: "swift-httpd"),
                // HTTP/2 for the h2 scenarios, with BENCH_HTTP2=h2 or h2c (see README.md).
                .product(name: "HTTPDHTTP2", package: "swift-httpd"),
            ]
        ),
        .executableTarget(name: "bench-httpd", dependencies: ["BenchHTTPDServer"]),
        // The same server with the main thread in a plain blocking wait (valgrind has crashed on an async main);
        // BENCH_HTTPD_METRICS=prometheus bootstraps swift-prometheus first (the cost of metrics with a backend).
        .executableTarget(
            name: "bench-httpd-callgrind",
            dependencies: [
                "BenchHTTPDServer",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "bench-hummingbird",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // WebSocket echo and held event streams (scripts/live.sh): swift-httpd, Hummingbird, the load client.
        .executableTarget(
            name: "bench-ws-httpd",
            dependencies: [
                .product(name: "HTTPD", package: "swift-httpd"),
                .product(name: "HTTPDWebSocket", package: "swift-httpd"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "bench-ws-hummingbird",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "ws-load",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "bench-vapor",
            dependencies: [.product(name: "Vapor", package: "vapor")]
        ),
        .executableTarget(
            name: "bench-flyingfox",
            dependencies: [.product(name: "FlyingFox", package: "FlyingFox")]
        ),
    ]
)
