import HTTPD
import ServiceLifecycle

/// A started `HTTPServer` as a swift-service-lifecycle `Service`, so it runs in a `ServiceGroup`
/// beside the program's other services and shuts down with them.
///
/// ```swift
/// let server = try await HTTPServer.start("127.0.0.1:8080")
/// let group = ServiceGroup(
///     services: [HTTPService(server)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
///
/// On graceful shutdown the server stops accepting and lets requests in progress finish for up to
/// `gracePeriod` (or, with `handsOverPort`, drains first: `HTTPServer.drainAndStop`); on cancellation
/// it stops at once. `run()` returns when the server has stopped.
public struct HTTPService: Service {
    /// The server this service runs.
    public let server: HTTPServer
    /// How long requests in progress may take to finish after a graceful shutdown begins.
    public let gracePeriod: Duration
    /// Whether a graceful shutdown hands the port over (`HTTPServer.drainAndStop`): for a process that
    /// shares its port with a replacement (a listening socket its supervisor gave it, `"fd:N"`, or
    /// `SocketOption.reusePort`), so that no request is lost.
    public let handsOverPort: Bool

    /// Wraps `server`, already started.
    public init(_ server: HTTPServer, gracePeriod: Duration = .seconds(10), handsOverPort: Bool = false) {
        self.server = server
        self.gracePeriod = gracePeriod
        self.handsOverPort = handsOverPort
    }

    /// Serves until the server stops, a graceful shutdown is triggered, or the task is cancelled.
    public func run() async throws {
        let server = server
        let gracePeriod = gracePeriod
        let handsOverPort = handsOverPort
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await server.wait()
            } onGracefulShutdown: {
                Task {
                    if handsOverPort {
                        await server.drainAndStop(gracePeriod: gracePeriod)
                    } else {
                        await server.stop(gracePeriod: gracePeriod)
                    }
                }
            }
        } onCancel: {
            Task { await server.stop() }
        }
    }
}
