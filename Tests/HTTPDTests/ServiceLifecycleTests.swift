import HTTPD
import HTTPDServiceLifecycle
import Logging
import ServiceLifecycle
import Testing

@Suite("swift-service-lifecycle")
struct ServiceLifecycleTests {
    @Test("a graceful shutdown of the service group lets a request in progress finish, then stops the server")
    func gracefulShutdown() async throws {
        let held = try await RequestInProgress.start(answering: "finished")
        let group = ServiceGroup(
            services: [HTTPService(held.server, gracePeriod: .seconds(30))], gracefulShutdownSignals: [],
            logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await group.triggerGracefulShutdown()
            try await held.releaseAfterStopBegan()
            let response = try #require(try await held.client.readResponse())
            #expect(response.text == "finished")
            #expect(response.header("Connection") == "close")
            try await tasks.waitForAll()
        }
        await held.server.wait()
        await #expect(throws: (any Error).self) { _ = try await RawClient.connect(port: held.port) }
    }

    @Test("cancelling the service stops the server at once")
    func cancellation() async throws {
        let server = try await HTTPServer.start("127.0.0.1:0")
        let port = try #require(server.port)
        let running = Task { try await HTTPService(server).run() }
        try await Task.sleep(for: .milliseconds(100))
        running.cancel()
        try await running.value
        await server.wait()  // returns only once the server stopped
        #expect((try? await RawClient.connect(port: port)) == nil, "the server still accepts connections after its service was cancelled")
    }
}
