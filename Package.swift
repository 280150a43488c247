// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-httpd",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "HTTPD", targets: ["HTTPD"]),
        .library(name: "HTTPDServiceLifecycle", targets: ["HTTPDServiceLifecycle"]),
        .library(name: "HTTPDRouting", targets: ["HTTPDRouting"]),
        .library(name: "HTTPDTLS", targets: ["HTTPDTLS"]),
        .library(name: "HTTPDWebSocket", targets: ["HTTPDWebSocket"]),
        .library(name: "HTTPDHTTP2", targets: ["HTTPDHTTP2"]),
        .executable(name: "httpd", targets: ["httpd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // The demo's /metrics only: the library speaks swift-metrics' API, never a backend.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // The library: SwiftNIO, swift-log, and the API packages of swift-metrics and
        // swift-distributed-tracing (no backend: the program bootstraps one, or none).
        .target(
            name: "HTTPD",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // An HTTPServer as a swift-service-lifecycle Service (its own target: the core does not need it).
        .target(
            name: "HTTPDServiceLifecycle",
            dependencies: [
                "HTTPD",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // HTTPS listeners (its own target: a program that serves plain HTTP does not compile BoringSSL).
        .target(
            name: "HTTPDTLS",
            dependencies: [
                "HTTPD",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // HTTP/2 (its own target, as TLS): h2 by ALPN on TLS listeners, h2c by prior knowledge on plain
        // ones; framing and HPACK by NIOHTTP2, each stream served by the core's exchange.
        .target(
            name: "HTTPDHTTP2",
            dependencies: [
                "HTTPD",
                "HTTPDTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // WebSocket (RFC 6455): a handler upgrades its own request; frames by NIOWebSocket's codec.
        .target(
            name: "HTTPDWebSocket",
            dependencies: [
                "HTTPD",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        // Beyond the reference, outside the core: a router, path and query parameters, JSON, cookies,
        // middleware, error answers. FoundationEssentials (for JSON) comes with the toolchain.
        .target(
            name: "HTTPDRouting",
            dependencies: [
                "HTTPD",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The reference's tutorial application, as handlers (tested like any other); its /upload
        // hashes with swift-crypto (the demo's dependency, not the core's).
        .target(
            name: "HTTPDTutorial",
            dependencies: [
                "HTTPD",
                "HTTPDRouting",
                "HTTPDWebSocket",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The demo server: the tutorial application behind a command line.
        .executableTarget(
            name: "httpd",
            dependencies: [
                "HTTPD",
                "HTTPDTutorial",
                "HTTPDServiceLifecycle",
                "HTTPDRouting",
                "HTTPDTLS",
                "HTTPDHTTP2",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The fuzz target: libFuzzer's entry point when built by scripts/fuzz (-sanitize=fuzzer
        // -DHTTPD_FUZZ); in a plain debug build, a tool that replays fuzz inputs (swift run HTTPDFuzz Fuzz/corpus).
        .executableTarget(
            name: "HTTPDFuzz",
            dependencies: [
                "HTTPD",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Fuzz/HTTPDFuzz"
        ),
        // The README's examples, each a program of its own that the build compiles (the README shows their code).
        .executableTarget(name: "ExampleHello", dependencies: ["HTTPD"], path: "Examples/Hello"),
        .executableTarget(name: "ExampleFileServer", dependencies: ["HTTPD"], path: "Examples/FileServer"),
        .executableTarget(
            name: "ExampleServiceLifecycle",
            dependencies: [
                "HTTPDServiceLifecycle",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/ServiceLifecycle"
        ),
        .executableTarget(name: "ExampleRouting", dependencies: ["HTTPD", "HTTPDRouting"], path: "Examples/Routing"),
        .executableTarget(name: "ExampleTodoAPI", dependencies: ["HTTPD", "HTTPDRouting"], path: "Examples/TodoAPI"),
        .executableTarget(name: "ExampleHTTPS", dependencies: ["HTTPD", "HTTPDTLS"], path: "Examples/HTTPS"),
        .executableTarget(name: "ExampleHTTP2", dependencies: ["HTTPD", "HTTPDTLS", "HTTPDHTTP2"], path: "Examples/HTTP2"),
        .executableTarget(
            name: "ExampleObservability",
            dependencies: ["HTTPD", .product(name: "Logging", package: "swift-log")],
            path: "Examples/Observability"
        ),
        .executableTarget(
            name: "ExampleWebSocket", dependencies: ["HTTPD", "HTTPDWebSocket"], path: "Examples/WebSocket"),
        .executableTarget(name: "ExampleEventStream", dependencies: ["HTTPD"], path: "Examples/EventStream"),
        .executableTarget(name: "ExampleUploads", dependencies: ["HTTPD"], path: "Examples/Uploads"),
        .testTarget(
            name: "HTTPDTests",
            dependencies: [
                "HTTPD",
                "HTTPDTutorial",
                "HTTPDServiceLifecycle",
                "HTTPDRouting",
                "HTTPDTLS",
                "HTTPDWebSocket",
                "HTTPDHTTP2",
                "ExampleTodoAPI",
                "ExampleRouting",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            exclude: ["TLS/Fixtures"]
        ),
    ]
)
