import HTTPDServiceLifecycle
import ServiceLifecycle

let server = try await HTTPServer.start("127.0.0.1:8080")
let group = ServiceGroup(
    services: [HTTPService(server, gracePeriod: .seconds(10))],
    gracefulShutdownSignals: [.sigterm, .sigint], logger: server.logger)
try await group.run()   // SIGTERM: stop accepting, finish requests in progress, return
