import Foundation
import HTTPD
import HTTPDHTTP2
import HTTPDTLS
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import Testing

/// The same handlers over HTTP/2, through real sockets with curl: h2c with prior knowledge and h2 over
/// TLS by ALPN, HTTP/1.1 still served on the same listeners, the request and response as their doc
/// comments say, the settings' HTTP/2 meaning, concurrent streams, graceful stop.
@Suite("HTTP/2: exchanges")
struct HTTP2ExchangeTests {
    static let curlPath = "/usr/bin/curl"
    static let hasCurl = FileManager.default.isExecutableFile(atPath: curlPath)

    /// A server on an h2c listener (port 0) with the test routes; stopped after `body`.
    static func withServer(
        settings: HTTPSettings = testSettings(), options: HTTP2Options = .defaults, tls: HTTPSContext? = nil,
        _ body: (HTTPServer, Int) async throws -> Void
    ) async throws {
        let listener: HTTPListener = tls.map { .http2("127.0.0.1:0", tls: $0, options: options) } ?? .h2c("127.0.0.1:0", options: options)
        let server = try await HTTPServer.start(settings: settings, logger: Logger(label: "h2-test"), listeners: [listener])
        try await registerRoutes(on: server)
        do {
            try await body(server, server.port!)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    static func registerRoutes(on server: HTTPServer) async throws {
        try await server.register("/about") { request, response in
            let names = request.headers.map(\.name).joined(separator: ",")
            let alpn = request.tlsDetails?.applicationProtocol ?? "-"
            try await response.write(
                status: 200,
                body: "\(request.proto) \(request.method) \(request.url) host=\(request.host ?? "-") \(request.scheme) alpn=\(alpn) names=\(names)")
        }
        try await server.register("/echo") { request, response in
            let body = try await request.body() ?? []
            try await response.write(status: 200, headers: [("Content-Type", "application/octet-stream")], body: body)
        }
        try await server.register("/stream") { _, response in
            try await response.begin(status: 200, headers: [("Content-Type", "text/plain")])
            for index in 0..<100 { try await response.chunk("line \(index)\n") }
            try await response.forceOutput()
            try await response.end()
        }
        try await server.register("/empty") { _, response in
            try await response.write(status: 204, headers: [("X-Empty", "yes")])
        }
        try await server.register("/hop-headers") { _, response in
            try await response.write(
                status: 200,
                headers: [
                    ("Connection", "close"), ("Keep-Alive", "timeout=5"), ("Transfer-Encoding", "chunked"),
                    ("Upgrade", "h2c"), ("X-Kept", "yes"),
                ],
                body: "dropped")
        }
    }

    /// Runs curl with `arguments`; its standard output (and error, with `withErrors`).
    static func curl(_ arguments: [String], withErrors: Bool = false) async throws -> String {
        try await offPool { try run(curlPath, ["-sS", "--max-time", "60"] + arguments, withErrors: withErrors) }
    }

    @Test("h2c with prior knowledge: HTTP/2.0, :authority as Host, names title-cased; HTTP/1.1 on the same port", .enabled(if: hasCurl))
    func h2cAndHTTP1() async throws {
        try await Self.withServer { _, port in
            let h2 = try await Self.curl(["--http2-prior-knowledge", "-H", "x-custom-thing: 1", "http://127.0.0.1:\(port)/about?q=1"])
            #expect(h2.hasPrefix("HTTP/2.0 GET /about?q=1 host=127.0.0.1:\(port) http alpn=-"), "\(h2)")
            #expect(h2.contains("names=Host,User-Agent,Accept,X-Custom-Thing"), "\(h2)")
            let h1 = try await Self.curl(["--http1.1", "http://127.0.0.1:\(port)/about"])
            #expect(h1.hasPrefix("HTTP/1.1 GET /about host=127.0.0.1:\(port) http"), "\(h1)")
            let version = try await Self.curl(["--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version}", "http://127.0.0.1:\(port)/about"])
            #expect(version == "2")
        }
    }

    @Test("h2 over TLS by ALPN; clients without h2 get HTTP/1.1", .enabled(if: hasCurl))
    func h2OverTLS() async throws {
        let tls = try HTTPSContext(certificate: Fixture.ec)
        try await Self.withServer(tls: tls) { _, port in
            let h2 = try await Self.curl(["--http2", "--cacert", Fixture.ca, "https://localhost:\(port)/about"])
            #expect(h2.hasPrefix("HTTP/2.0 GET /about host=localhost:\(port) https alpn=h2"), "\(h2)")
            let h1 = try await Self.curl(["--http1.1", "--cacert", Fixture.ca, "https://localhost:\(port)/about"])
            #expect(h1.hasPrefix("HTTP/1.1 GET /about host=localhost:\(port) https alpn=http/1.1"), "\(h1)")
        }
    }

    @Test("Bodies both ways: body() reads the DATA, a streamed response arrives whole, HEAD and 204 carry none", .enabled(if: hasCurl))
    func bodies() async throws {
        try await Self.withServer { _, port in
            let payload = String(repeating: "0123456789abcdef", count: 20_000)  // 320,000 bytes: several windows
            let echoed = try await offPool {
                try run(Self.curlPath, ["-sS", "--http2-prior-knowledge", "--data-binary", "@-", "http://127.0.0.1:\(port)/echo"], input: payload)
            }
            #expect(echoed == payload)
            let streamed = try await Self.curl(["--http2-prior-knowledge", "http://127.0.0.1:\(port)/stream"])
            #expect(streamed == (0..<100).map { "line \($0)\n" }.joined())
            let head = try await Self.curl(["--http2-prior-knowledge", "-I", "http://127.0.0.1:\(port)/about"])
            #expect(head.hasPrefix("HTTP/2 200"), "\(head)")
            #expect(head.lowercased().contains("content-length: "), "\(head)")
            let empty = try await Self.curl(["--http2-prior-knowledge", "-i", "http://127.0.0.1:\(port)/empty"])
            #expect(empty.hasPrefix("HTTP/2 204"), "\(empty)")
            #expect(empty.contains("x-empty: yes"), "\(empty)")
        }
    }

    @Test("Connection-specific headers a handler sets are dropped; the connection serves on", .enabled(if: hasCurl))
    func connectionSpecificHeaders() async throws {
        try await Self.withServer { _, port in
            let url = "http://127.0.0.1:\(port)/hop-headers"
            let output = try await Self.curl(["--http2-prior-knowledge", "-i", url, url, "-w", "\nconnects=%{num_connects}\n"])
            let lower = output.lowercased()
            #expect(lower.contains("x-kept: yes"), "\(output)")
            for name in ["connection:", "keep-alive:", "transfer-encoding:", "upgrade:"] {
                #expect(!lower.contains(name), "\(name) in \(output)")
            }
            #expect(output.contains("connects=0"), "the second request reused the connection: \(output)")
        }
    }

    @Test("Limits over HTTP/2: 413 for a declared length over the limit, 431 for too many fields, 100-continue", .enabled(if: hasCurl))
    func limits() async throws {
        let settings = testSettings {
            $0.maxRequestBodyLength = 1000
            $0.maxRequestHeaders = 20
        }
        try await Self.withServer(settings: settings) { _, port in
            let big = String(repeating: "x", count: 5000)
            let tooLarge = try await offPool {
                try run(
                    Self.curlPath,
                    ["-sS", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@-", "http://127.0.0.1:\(port)/echo"],
                    input: big)
            }
            #expect(tooLarge == "413")
            let many = (0..<30).flatMap { ["-H", "x-field-\($0): v"] }
            let tooMany = try await Self.curl(["--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code}"] + many + ["http://127.0.0.1:\(port)/about"])
            #expect(tooMany == "431")
            let continued = try await offPool {
                try run(
                    Self.curlPath,
                    ["-sS", "--http2-prior-knowledge", "-H", "Expect: 100-continue", "--data-binary", "@-", "http://127.0.0.1:\(port)/echo"],
                    input: "small body")
            }
            #expect(continued == "small body")
            // The connection and the server live on.
            let after = try await Self.curl(["--http2-prior-knowledge", "http://127.0.0.1:\(port)/about"])
            #expect(after.hasPrefix("HTTP/2.0 GET"))
        }
    }

    @Test("Streams of one connection run concurrently (AsyncHTTPClient over TLS, h2)")
    func concurrentStreams() async throws {
        let tls = try HTTPSContext(certificate: Fixture.ec)
        let server = try await HTTPServer.start(settings: testSettings(), listeners: [.http2("127.0.0.1:0", tls: tls)])
        let arrived = Locked(0)
        try await server.register("/together") { request, response in
            arrived.update { $0 += 1 }
            // Each handler waits until all four are running: served one at a time, they would time out.
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while arrived.get() < 4, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            try await response.write(status: 200, body: "\(request.proto) \(arrived.get() >= 4)")
        }
        let url = "https://localhost:\(server.port!)/together"
        let (first, answers) = try await withHTTPClient(try tlsHTTPClient()) { client in
            // One request first, so the client has its HTTP/2 connection, then four at once on it.
            let first = try await fetch(client, url.replacingOccurrences(of: "/together", with: "/missing"))
            let answers = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<4 { group.addTask { try await fetch(client, url).body } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            return (first, answers)
        }
        await server.stop()
        #expect(first.status == 404)
        #expect(answers == Array(repeating: "HTTP/2.0 true", count: 4), "\(answers)")
    }

    @Test("Graceful stop lets a running stream finish, then the connection closes", .enabled(if: hasCurl))
    func gracefulStop() async throws {
        let server = try await HTTPServer.start(settings: testSettings(), listeners: [.h2c("127.0.0.1:0")])
        let started = Gate()
        try await server.register("/slow") { _, response in
            started.open()
            try await Task.sleep(for: .seconds(1))
            try await response.write(status: 200, body: "finished")
        }
        let port = server.port!
        async let answer = Self.curl(["--http2-prior-knowledge", "http://127.0.0.1:\(port)/slow"])
        await started.wait()
        let clock = ContinuousClock()
        let took = await clock.measure { await server.stop(gracePeriod: .seconds(60)) }
        #expect(try await answer == "finished")
        #expect(took < .seconds(30), "stop waited for the stream, not the grace period: \(took)")
    }

    @Test("A 3 MiB file goes out over h2c within flow control, whole", .enabled(if: hasCurl))
    func fileOverHTTP2() async throws {
        let file = try PatternFile(size: 3 << 20, prefix: "httpd-h2")
        defer { file.remove() }
        try await Self.withServer { server, port in
            try await server.register("/big") { _, response in try await response.file(path: file.path) }
            _ = try await Self.curl(["--http2-prior-knowledge", "-o", file.folder + "/got.bin", "http://127.0.0.1:\(port)/big"])
        }
        let got = FileManager.default.contents(atPath: file.folder + "/got.bin").map { Array($0) }
        #expect(got == file.bytes)
    }

    @Test("An HTTP/2 connection with no open stream closes after the request timeout (GOAWAY)")
    func idleConnectionCloses() async throws {
        let settings = testSettings { $0.requestTimeout = .seconds(1) }
        try await Self.withServer(settings: settings) { _, port in
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                            mode: .client, connectionConfiguration: .init(), streamConfiguration: .init()
                        ) { stream in stream.eventLoop.makeSucceededVoidFuture() }
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
            let clock = ContinuousClock()
            let waited = try await clock.measure { try await channel.closeFuture.get() }
            #expect(waited < .seconds(30), "closed by the server after about a second: \(waited)")
        }
    }

    @Test("A stream the client resets cancels its handler; the connection serves on")
    func resetCancelsHandler() async throws {
        let started = Locked(false)
        let cancelled = Locked(false)
        try await Self.withServer { server, port in
            try await server.register("/sleep") { request, response in
                started.set(true)
                do {
                    try await Task.sleep(for: .seconds(60))
                } catch is CancellationError {
                    cancelled.set(!request.isClientConnected)
                    throw CancellationError()
                }
                try await response.write(status: 200, body: "slept")
            }
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            let multiplexer = try await channel.configureHTTP2Pipeline(
                mode: .client, connectionConfiguration: .init(), streamConfiguration: .init()
            ) { stream in stream.eventLoop.makeSucceededVoidFuture() }.get()
            let headers = HPACKHeaders([(":method", "GET"), (":path", "/sleep"), (":scheme", "http"), (":authority", "localhost")])
            let stream = try await multiplexer.createStreamChannel { stream in stream.eventLoop.makeSucceededVoidFuture() }.get()
            try await stream.writeAndFlush(HTTP2Frame.FramePayload.headers(.init(headers: headers, endStream: true))).get()
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while !started.get(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            try? await stream.close().get()  // RST_STREAM (CANCEL); the close itself reports the stream cancelled
            while !cancelled.get(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(started.get())
            #expect(cancelled.get(), "the handler's task was cancelled and isClientConnected is false")
            try await channel.close().get()
            let after = try await Self.curl(["--http2-prior-knowledge", "http://127.0.0.1:\(port)/about"])
            #expect(after.hasPrefix("HTTP/2.0 GET"))
        }
    }
}
