import HTTPD
import HTTPDServiceLifecycle
import Logging
import ServiceLifecycle
import Testing

@Suite("swift-service-lifecycle")
struct ServiceLifecycleTests {
    @Test("a graceful shutdown of the service group lets a request in progress finish, then stops the server")
    func gracefulShutdown() async throws {
        let server = try await HTTPServer.start("127.0.0.1:0")
        let port = try #require(server.port)
        let started = AsyncGate()
        let release = AsyncGate()
        try await server.register("/slow") { _, response in
            started.open()
            await release.wait()
            try await response.write(status: 200, body: "finished")
        }
        let group = ServiceGroup(
            services: [HTTPService(server, gracePeriod: .seconds(30))], gracefulShutdownSignals: [],
            logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let client = try await RawClient.connect(port: server.port!)
            try await client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            await started.wait()
            await group.triggerGracefulShutdown()
            try await waitUntilNotListening(port: port)
            release.open()
            let response = try #require(try await client.readResponse())
            #expect(response.text == "finished")
            #expect(response.header("Connection") == "close")
            try await tasks.waitForAll()
        }
        await server.wait()
        await #expect(throws: (any Error).self) { _ = try await RawClient.connect(port: server.port ?? 1) }
    }

    @Test("cancelling the service stops the server at once")
    func cancellation() async throws {
        let server = try await HTTPServer.start("127.0.0.1:0")
        let running = Task { try await HTTPService(server).run() }
        try await Task.sleep(for: .milliseconds(100))
        running.cancel()
        try await running.value
        await server.wait()
    }
}
