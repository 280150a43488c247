import HTTPD
import Logging
import Tracing

/// An observer that keeps every exchange record, for tests that check what the server reported.
final class RecordingObserver: HTTPServerObserver {
    private let recorded = Locked<[HTTPExchangeRecord]>([])

    /// The records so far, in order.
    var records: [HTTPExchangeRecord] { recorded.get() }

    func exchangeCompleted(_ record: HTTPExchangeRecord) {
        recorded.update { $0.append(record) }
    }

    /// The records once there are at least `count` of them (or after 20 s, whatever there is).
    func records(atLeast count: Int) async -> [HTTPExchangeRecord] {
        _ = await eventually { recorded.get().count >= count }
        return recorded.get()
    }
}

extension TestServer {
    /// Starts a server with `observers` (and `tracer`), registers `routes`, runs `body`, then stops the server.
    static func observed(
        by observers: [any HTTPServerObserver], tracer: (any Tracer)? = nil, mux: any HTTPMux = DefaultHTTPMux(),
        settings: HTTPSettings = testSettings(), routes: [String: HTTPHandler] = [:],
        _ body: (TestServer) async throws -> Void
    ) async throws {
        let server = try await HTTPServer.start(
            mux: mux, settings: settings, observers: observers, tracer: tracer, addresses: ["127.0.0.1:0"])
        for (path, handler) in routes { try await server.register(path, handler: handler) }
        do {
            try await body(TestServer(server: server))
            await server.stop()
        } catch {
            await server.stop()
            throw error
        }
    }
}
