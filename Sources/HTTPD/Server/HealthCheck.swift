/// A readiness check for load balancers: register it at a path of your choice
/// (`try await server.register("/healthz", handler: HealthCheck.handler)`).
///
/// It answers `200 ok` while the server serves normally and `503 draining` once it is draining
/// (`HTTPServer.drainAndStop`), so a balancer that polls it stops sending new connections there
/// before the server stops listening.
public enum HealthCheck {
    /// The handler: `200` with `ok`, or `503` with `draining` and `Connection: close`.
    public static let handler: HTTPHandler = { request, response in
        if request.exchange.connection.serverContext.handover.isDraining {
            try await response.write(
                status: 503, headers: [("Content-Type", "text/plain"), ("Connection", "close")], body: "draining\n")
        } else {
            try await response.write(status: 200, headers: [("Content-Type", "text/plain")], body: "ok\n")
        }
    }
}
