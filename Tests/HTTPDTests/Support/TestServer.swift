import AsyncHTTPClient
import HTTPD
import NIOCore
import NIOHTTP1

/// A real server on 127.0.0.1 port 0 for one test, with a way to reach it.
struct TestServer {
    let server: HTTPServer
    /// The port the test's clients connect to: the server's, or that of the TLS relay in front of it.
    let port: Int

    /// `server`, reached on `port` (the server's own port by default).
    init(server: HTTPServer, port: Int? = nil) {
        self.server = server
        self.port = port ?? server.port!
    }

    /// Starts a server with `mux` and `settings` on `transport`, registers `routes`, runs `body`, then
    /// stops the server.
    static func with(
        transport: TestTransport = .plain,
        mux: any HTTPMux = DefaultHTTPMux(),
        settings: HTTPSettings = HTTPSettings(),
        routes: [String: HTTPHandler] = [:],
        _ body: (TestServer) async throws -> Void
    ) async throws {
        let server = try await HTTPServer.start(mux: mux, settings: settings, listeners: [try transport.listener("127.0.0.1:0")])
        var front: TLSRelay?
        do {
            for (path, handler) in routes {
                try await server.register(path, handler: handler)
            }
            front = try await transport.front(for: server)
            try await body(TestServer(server: server, port: front?.port))
        } catch {
            await server.stop()
            await front?.stop()
            throw error
        }
        await server.stop()
        await front?.stop()
    }

    /// `http://127.0.0.1:PORT` + `path`.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// A well-formed request through AsyncHTTPClient; the whole response.
    func request(
        _ path: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) async throws -> ClientResponse {
        var request = HTTPClientRequest(url: url(path))
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return ClientResponse(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
    }

    /// A raw TCP connection to the server.
    func connect() async throws -> RawClient {
        try await RawClient.connect(port: port)
    }
}

/// What a client received: status, headers and body.
struct ClientResponse {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]

    /// The body as UTF-8 text.
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// The reference defaults (not the process-wide ones, which other tests may change) with `change`
/// applied: for tests that set short timeouts or small limits to cross them.
func testSettings(_ change: (inout HTTPSettings) -> Void = { _ in }) -> HTTPSettings {
    var settings = HTTPSettings.referenceDefaults
    change(&settings)
    return settings
}
