import HTTPD
import NIOConcurrencyHelpers

/// Routes requests by method and path pattern, as an `HTTPMux`: start a server with it.
///
/// ```swift
/// let router = Router(errors: .json)
/// try router.get("/todos/:id") { request, response in
///     let id = try request.parameters.require("id", as: Int.self)
///     try await response.write(status: 200, json: ["id": id])
/// }
/// let server = try await HTTPServer.start(mux: router, addresses: ["127.0.0.1:8080"])
/// ```
///
/// - A pattern's literal segments win over `:name` parameters, which win over a last `**`.
/// - Path parameters are percent-decoded (`request.parameters`); a bad escape is answered 400.
/// - HEAD requests are served by the GET route; OPTIONS gets 204 with `Allow`; a path that matches with
///   no route for the method gets 405 with `Allow`; a path nothing matches gets 404. Empty segments
///   do not count: `/todos/` is `/todos`.
/// - Errors a handler or middleware throws are answered through `errors` (see `ErrorResponder`): an
///   `HTTPError` as itself, a body over the limit 413, anything else 500.
/// - `use(_:)` wraps every request the router answers (404 and 405 included) in middleware; groups
///   (`group(_:)`) add a path prefix and middleware of their own.
///
/// Routes can be added while the server runs: the table is guarded by a lock. `server.register(path)`
/// registers a route for any method (`putHandler`); the `host` is ignored.
public final class Router: HTTPMux, RouteRegistrar {
    /// How the router writes its error answers.
    public let errors: ErrorResponder

    /// A handler kept at its own function type (see the core's `HandlerTable`).
    struct Entry: Sendable {
        let handler: HTTPHandler
    }

    struct State: Sendable {
        var middleware: [Middleware] = []
        /// The route dispatch alone.
        let dispatch: Entry
        /// What every request is given: the dispatch, or the middleware around it and errors thrown by
        /// the middleware answered through `errors` (composed when middleware is added).
        var entry: Entry
    }

    private let state: NIOLockedValueBox<State>
    /// The route tree, behind a lock of its own (routes can be added while requests are served).
    private let tree: NIOLockedValueBox<RouteNode>

    /// A router with no routes, writing its error answers with `errors` (plain text by default).
    public init(errors: ErrorResponder = .plainText) {
        self.errors = errors
        let tree = NIOLockedValueBox(RouteNode())
        // The route dispatch: finds the route and runs it, or answers 404, 405, OPTIONS, or 400 for a
        // bad escape; errors the route throws are answered through `errors`.
        let dispatch = Entry(handler: { request, response in
            let lookup = tree.withLockedValue { $0.lookup(method: request.method, path: request.path) }
            do {
                switch lookup {
                case .found(let route, let parameters):
                    if !parameters.isEmpty { request.parameters = parameters }
                    request.route = route.pattern
                    try await route.handler(request, response)
                case .methodNotAllowed(let allow):
                    if request.method == "OPTIONS" {
                        try await response.write(status: 204, headers: [("Allow", allow)])
                        return
                    }
                    throw HTTPError(405, "\(request.method) is not allowed for \(request.path)", headers: [("Allow", allow)])
                case .notFound:
                    throw HTTPError(404, "no route for \(request.method) \(request.path)")
                case .malformed:
                    throw HTTPError(400, "malformed percent-encoding in the path")
                }
            } catch {
                try await errors.respond(to: error, request: request, response: response)
            }
        })
        self.tree = tree
        self.state = NIOLockedValueBox(State(dispatch: dispatch, entry: dispatch))
    }

    /// Registers `handler` for `method` and `pattern`; throws `RoutingError` for a bad pattern or method.
    public func on(_ method: String, _ pattern: String, _ handler: @escaping HTTPHandler) throws {
        let parsed = try RoutePattern(pattern)
        guard method == "*" || (!method.isEmpty && method.utf8.allSatisfy(Self.isMethodCharacter)) else {
            throw RoutingError.invalidPattern(pattern, reason: "\"\(method)\" is not a method name (GET, POST, …)")
        }
        let route = Route(handler: handler, names: parsed.names, pattern: pattern)
        tree.withLockedValue { $0.insert(parsed.segments[...], method: method, route: route) }
    }

    /// Wraps every request the router answers, 404 and 405 answers included, in `middleware` (the first
    /// given runs first), after the middleware added before.
    public func use(_ middleware: Middleware...) {
        state.withLockedValue { state in
            state.middleware += middleware
            var chain = state.dispatch.handler
            for layer in state.middleware.reversed() { chain = layer.wrapping(chain) }
            let wrapped = chain
            let errors = errors
            state.entry = Entry(handler: { request, response in
                do {
                    try await wrapped(request, response)
                } catch {
                    try await errors.respond(to: error, request: request, response: response)
                }
            })
        }
    }

    /// A group of routes under `prefix` (`/api`), which may have middleware of its own.
    public func group(_ prefix: String) -> RouteGroup {
        RouteGroup(router: self, prefix: prefix)
    }

    // MARK: HTTPMux

    /// The router's own handler, for every host and path: it finds the route, or answers 404 or 405.
    public func handler(host: String?, path: String) -> HTTPHandler? {
        state.withLockedValue { $0.entry }.handler
    }

    /// Registers `handler` for `path` (a pattern) and any method: `server.register(path)` on a router.
    public func putHandler(host: String?, path: String, handler: @escaping HTTPHandler) throws {
        try on("*", path, handler)
    }

    private static func isMethodCharacter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}
