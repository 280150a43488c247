import AsyncHTTPClient
import Foundation
import HTTPD
import HTTPDHTTP2
import HTTPDTLS
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

/// HTTP/2 clients that must just work against `.http2` (h2 by ALPN) and `.h2c` (prior knowledge)
/// listeners: AsyncHTTPClient over TLS, and nghttp and h2load (Debian's nghttp2-client) when they are
/// installed. curl's HTTP/2 runs are in the listener tests.
@Suite("HTTP/2: clients")
struct HTTP2ClientTests {
    /// A server with an `.http2` listener (index 0) and an `.h2c` one (index 1): `/hello` answers with
    /// the request's protocol, method and path, `/echo` with the request's body, and the rest of the
    /// paths are files from `site` (when given).
    static func start(site: String? = nil) async throws -> HTTPServer {
        let tls = try HTTPSContext(certificate: Fixture.ec)
        let server = try await HTTPServer.start(
            mux: RecursiveHTTPMux(), settings: testSettings(),
            listeners: [.http2("127.0.0.1:0", tls: tls), .h2c("127.0.0.1:0")])
        try await server.register("/hello") { request, response in
            try await response.write(status: 200, body: "\(request.proto) \(request.method) \(request.path)")
        }
        try await server.register("/echo") { request, response in
            let body = try await request.body() ?? []
            try await response.write(status: 200, headers: [("Content-Type", "application/octet-stream")], body: body)
        }
        if let site {
            try await server.register("", handler: FileServer(root: site).handler)
        }
        return server
    }

    static func port(_ server: HTTPServer, _ index: Int) -> Int {
        Int(server.addresses[index].split(separator: ":").last!)!
    }

    /// An AsyncHTTPClient that trusts the test CA and speaks `version` (HTTP/2 when ALPN offers it, by default).
    static func client(_ version: HTTPClient.Configuration.HTTPVersion = .automatic) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(Fixture.ca)
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.httpVersion = version
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// `request` through `client`: the HTTP version spoken, the status and the body.
    static func send(_ client: HTTPClient, _ request: HTTPClientRequest) async throws -> (version: HTTPVersion, status: Int, body: [UInt8]) {
        let response = try await client.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 64 << 20)
        return (response.version, Int(response.status.code), Array(body.readableBytesView))
    }

    /// Bytes that are not all alike, so a misplaced DATA frame shows.
    static func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
    }

    /// A throw-away folder with a page and the assets it links (a stylesheet, a script, an image, 40 KiB each).
    static func makeSite() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("httpd-h2-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let page = """
            <!DOCTYPE html><html><head><link rel="stylesheet" href="/style.css"><script src="/app.js"></script></head>
            <body><img src="/logo.png" alt="logo"></body></html>
            """
        FileManager.default.createFile(atPath: folder + "/index.html", contents: Data(page.utf8))
        for name in ["style.css", "app.js", "logo.png"] {
            FileManager.default.createFile(atPath: folder + "/" + name, contents: Data(pattern(40 << 10)))
        }
        return folder
    }

    // MARK: AsyncHTTPClient

    @Test("AsyncHTTPClient negotiates h2 by ALPN: the handler sees HTTP/2.0, the client HTTP/2")
    func asyncHTTPClientSpeaksH2() async throws {
        let server = try await Self.start()
        let answer = try await withHTTPClient(Self.client()) { client in
            try await Self.send(client, HTTPClientRequest(url: "https://localhost:\(Self.port(server, 0))/hello"))
        }
        await server.stop()
        #expect(answer.version == .http2)
        #expect(answer.status == 200)
        #expect(String(decoding: answer.body, as: UTF8.self) == "HTTP/2.0 GET /hello")
    }

    @Test("AsyncHTTPClient over h2: a 768 KiB request body (past the 64 KiB window) comes back whole")
    func asyncHTTPClientBodyBeyondWindow() async throws {
        let server = try await Self.start()
        let bytes = Self.pattern(768 << 10)
        var request = HTTPClientRequest(url: "https://localhost:\(Self.port(server, 0))/echo")
        request.method = .POST
        request.body = .bytes(bytes)
        let answer = try await withHTTPClient(Self.client()) { client in try await Self.send(client, request) }
        await server.stop()
        #expect(answer.version == .http2)
        #expect(answer.status == 200)
        #expect(answer.body == bytes)
    }

    @Test("AsyncHTTPClient over h2: 40 requests at once, each with its own answer")
    func asyncHTTPClientConcurrentStreams() async throws {
        let server = try await Self.start()
        let port = Self.port(server, 0)
        let answers = try await withHTTPClient(Self.client()) { client in
            try await withThrowingTaskGroup(of: (Int, HTTPVersion, String).self) { group in
                for index in 0..<40 {
                    group.addTask {
                        let answer = try await Self.send(client, HTTPClientRequest(url: "https://localhost:\(port)/hello/\(index)"))
                        return (index, answer.version, String(decoding: answer.body, as: UTF8.self))
                    }
                }
                return try await group.reduce(into: [(Int, HTTPVersion, String)]()) { $0.append($1) }
            }
        }
        await server.stop()
        #expect(answers.count == 40)
        for (index, version, body) in answers {
            #expect(version == .http2)
            #expect(body == "HTTP/2.0 GET /hello/\(index)")
        }
    }

    @Test("AsyncHTTPClient over h2: a 3 MiB file from the file server arrives whole")
    func asyncHTTPClientFile() async throws {
        let site = try Self.makeSite()
        defer { try? FileManager.default.removeItem(atPath: site) }
        let bytes = Self.pattern(3 << 20)
        FileManager.default.createFile(atPath: site + "/big.bin", contents: Data(bytes))
        let server = try await Self.start(site: site)
        let answer = try await withHTTPClient(Self.client()) { client in
            try await Self.send(client, HTTPClientRequest(url: "https://localhost:\(Self.port(server, 0))/big.bin"))
        }
        await server.stop()
        #expect(answer.version == .http2)
        #expect(answer.status == 200)
        #expect(answer.body == bytes)
    }

    @Test("AsyncHTTPClient limited to HTTP/1.1 gets HTTP/1.1 from the same listener (ALPN picks http/1.1)")
    func asyncHTTPClientHTTP1Only() async throws {
        let server = try await Self.start()
        let answer = try await withHTTPClient(Self.client(.http1Only)) { client in
            try await Self.send(client, HTTPClientRequest(url: "https://localhost:\(Self.port(server, 0))/hello"))
        }
        await server.stop()
        #expect(answer.version == .http1_1)
        #expect(String(decoding: answer.body, as: UTF8.self) == "HTTP/1.1 GET /hello")
    }

    // MARK: nghttp and h2load (nghttp2-client: Benchmarks/run installs it; skipped where it is missing)

    static let nghttp = "/usr/bin/nghttp"
    static let h2load = "/usr/bin/h2load"
    static let hasNghttp = FileManager.default.isExecutableFile(atPath: nghttp)
    static let hasH2load = FileManager.default.isExecutableFile(atPath: h2load)

    @Test(
        "nghttp over h2 (TLS) and h2c: a GET, and a POST body echoed",
        .enabled(if: hasNghttp, "nghttp is not installed (Debian's nghttp2-client; Benchmarks/run installs it)"))
    func nghttpGetAndPost() async throws {
        let server = try await Self.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("httpd-nghttp-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let upload = String(repeating: "swift-httpd over HTTP/2\n", count: 10_000)   // 240 KB: past the window
        FileManager.default.createFile(atPath: folder + "/upload.txt", contents: Data(upload.utf8))
        for base in ["https://127.0.0.1:\(Self.port(server, 0))", "http://127.0.0.1:\(Self.port(server, 1))"] {
            let hello = try await offPool { try run(Self.nghttp, ["-y", base + "/hello"]) }
            #expect(hello == "HTTP/2.0 GET /hello", "nghttp \(base)/hello")
            let echoed = try await offPool { try run(Self.nghttp, ["-y", "-d", folder + "/upload.txt", base + "/echo"]) }
            #expect(echoed == upload, "nghttp -d \(base)/echo: \(echoed.prefix(200))")
        }
        await server.stop()
    }

    @Test(
        "nghttp -a loads a page and the assets it links over h2, each 200 on its own stream",
        .enabled(if: hasNghttp, "nghttp is not installed (Debian's nghttp2-client; Benchmarks/run installs it)"))
    func nghttpPageWithAssets() async throws {
        let site = try Self.makeSite()
        defer { try? FileManager.default.removeItem(atPath: site) }
        let server = try await Self.start(site: site)
        // -y: no warning about the test CA; -a: fetch the linked assets too; -n: discard the bodies; -s: a line
        // per request (stream id, status, size, path).
        let output = try await offPool {
            try run(Self.nghttp, ["-yans", "https://127.0.0.1:\(Self.port(server, 0))/index.html"], withErrors: true)
        }
        await server.stop()
        let lines = output.split(separator: "\n")
        for path in ["/index.html", "/style.css", "/app.js", "/logo.png"] {
            #expect(lines.contains { $0.contains(" 200 ") && $0.hasSuffix(" " + path) }, "\(path) in:\n\(output)")
        }
    }

    @Test(
        "h2load over h2 (TLS) and h2c: 400 requests on 4 connections of 10 streams, all succeeded",
        .enabled(if: hasH2load, "h2load is not installed (Debian's nghttp2-client; Benchmarks/run installs it)"))
    func h2loadRequests() async throws {
        let server = try await Self.start()
        for (url, spoken) in [
            ("https://127.0.0.1:\(Self.port(server, 0))/hello", "h2"), ("http://127.0.0.1:\(Self.port(server, 1))/hello", "h2c"),
        ] {
            let output = try await offPool { try run(Self.h2load, ["-n400", "-c4", "-m10", url], withErrors: true) }
            #expect(output.contains("Application protocol: \(spoken)\n"), "h2load \(url):\n\(output)")
            #expect(output.contains("400 succeeded, 0 failed"), "h2load \(url):\n\(output)")
            #expect(output.contains("status codes: 400 2xx"), "h2load \(url):\n\(output)")
        }
        await server.stop()
    }
}
