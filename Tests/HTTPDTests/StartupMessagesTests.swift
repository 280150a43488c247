import HTTPD
import Testing

@Suite("Startup messages")
struct StartupMessagesTests {
    @Test("a busy port's error reads cleanly, and a server that never started logs no \"stopped\"")
    func busyPortMessage() async throws {
        let first = try await HTTPServer.start(mux: DefaultHTTPMux(), socketOptions: [], addresses: ["127.0.0.1:0"])
        let taken = "127.0.0.1:\(first.port!)"
        let (logger, messages) = CapturedLog.logger()
        let error = await #expect(throws: HTTPDError.self) {
            _ = try await HTTPServer.start(mux: DefaultHTTPMux(), socketOptions: [], logger: logger, addresses: [taken])
        }
        await first.stop()
        let text = error?.description ?? ""
        #expect(text == "cannot listen on \(taken): Address already in use (errno: 98)")
        #expect(!messages.all.contains("stopped"))
        #expect(!messages.all.contains("listening"))
    }

    @Test("a server that started logs \"listening\" then \"stopped\"")
    func startedServerLogs() async throws {
        let (logger, messages) = CapturedLog.logger()
        let server = try await HTTPServer.start(logger: logger, addresses: ["127.0.0.1:0"])
        await server.stop()
        #expect(messages.all.filter { $0 == "listening" || $0 == "stopped" } == ["listening", "stopped"])
    }

    @Test("the second address failing closes the first, and nothing says \"stopped\"")
    func secondAddressFails() async throws {
        let first = try await HTTPServer.start(mux: DefaultHTTPMux(), socketOptions: [], addresses: ["127.0.0.1:0"])
        let (logger, messages) = CapturedLog.logger()
        await #expect(throws: HTTPDError.self) {
            _ = try await HTTPServer.start(
                mux: DefaultHTTPMux(), socketOptions: [], logger: logger, addresses: ["127.0.0.1:0", "127.0.0.1:\(first.port!)"])
        }
        await first.stop()
        #expect(messages.all.isEmpty)
    }
}
