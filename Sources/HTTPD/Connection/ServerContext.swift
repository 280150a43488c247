import Logging
import NIOCore
import Tracing

/// What every connection of one server shares: the server, its multiplexer, settings and logger,
/// and the executors that run handlers on the connections' event loops.
final class ServerContext: Sendable {
    /// The server the connections belong to (`HTTPServer.current` inside handlers).
    let server: HTTPServer
    /// Where requests are routed.
    let mux: any HTTPMux
    /// The limits and timeouts.
    let settings: HTTPSettings
    /// Where errors and connection events are logged.
    let logger: Logger
    /// One task executor per event loop.
    let executors: EventLoopExecutors
    /// The open connections, so that the server can close them when it stops.
    let connections: ConnectionRegistry
    /// How requests find their original client behind proxies; nil (the usual case, and free) when the
    /// server trusts no proxy and no listener expects the PROXY protocol.
    let origins: ClientOrigins?
    /// The server is draining (`HTTPServer.isDraining`), and how many connections were accepted.
    let handover: ListenerHandover
    /// Who is told of connections and finished exchanges (the access log, metrics); nil, and free, when nobody.
    let observers: ServerObservers?
    /// The tracer each request runs in a span of; nil, and free, when no tracer was given or bootstrapped.
    let tracer: (any Tracer)?

    init(
        server: HTTPServer, mux: any HTTPMux, settings: HTTPSettings, logger: Logger, group: any EventLoopGroup,
        origins: ClientOrigins? = nil, observers: ServerObservers? = nil, tracer: (any Tracer)? = nil
    ) {
        self.server = server
        self.mux = mux
        self.settings = settings
        self.logger = logger
        self.executors = EventLoopExecutors(group: group)
        self.connections = ConnectionRegistry()
        self.origins = origins
        self.handover = ListenerHandover()
        self.observers = observers
        self.tracer = tracer
    }
}
