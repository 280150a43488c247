import HTTPD
import ServiceLifecycle

/// The server as a service that hands its port over on a graceful shutdown (`HTTPServer.drainAndStop`):
/// for a process that shares its port (`--reuse-port`, a worker of `--processes`), so that a
/// replacement on the same port takes every connection and no request is lost.
struct DrainingService: Service {
    let server: HTTPServer
    let gracePeriod: Duration

    func run() async throws {
        let server = server
        let gracePeriod = gracePeriod
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await server.wait()
            } onGracefulShutdown: {
                Task { await server.drainAndStop(gracePeriod: gracePeriod) }
            }
        } onCancel: {
            Task { await server.stop() }
        }
    }
}
