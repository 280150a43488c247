import HTTPD

/// A request held in progress on a fresh server: its handler waits until released, then answers
/// `body`. For the tests of stopping gracefully.
struct RequestInProgress {
    let server: HTTPServer
    let port: Int
    let client: RawClient
    private let release: AsyncGate

    /// Starts a server on 127.0.0.1:0 and sends `GET /slow`; returns once its handler is running.
    static func start(answering body: String) async throws -> RequestInProgress {
        let server = try await HTTPServer.start("127.0.0.1:0")
        let started = AsyncGate()
        let release = AsyncGate()
        try await server.register("/slow") { _, response in
            started.open()
            await release.wait()
            try await response.write(status: 200, body: body)
        }
        let port = server.port!
        let client = try await RawClient.connect(port: port)
        try await client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        await started.wait()
        return RequestInProgress(server: server, port: port, client: client, release: release)
    }

    /// Lets the handler answer once the server has stopped listening (so the stop reached the connection).
    func releaseAfterStopBegan() async throws {
        try await waitUntilNotListening(port: port)
        release.open()
    }
}
