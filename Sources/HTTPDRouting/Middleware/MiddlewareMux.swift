import HTTPD

/// Any multiplexer with middleware around every request it serves: the way to apply middleware to a
/// whole server.
///
/// ```swift
/// let mux = MiddlewareMux(DefaultHTTPMux(), errors: .json, requireAPIKey)
/// let server = try await HTTPServer.start(mux: mux, addresses: ["127.0.0.1:8080"])
/// try await server.register("/hello") { _, response in try await response.write(status: 200, body: "hi") }
/// ```
///
/// A path the inner multiplexer has no handler for is answered 404 inside the middleware (so the
/// middleware sees it too). Errors thrown by the middleware or the handler before it answered are written
/// through `errors`. Registrations go to the inner multiplexer.
public struct MiddlewareMux: HTTPMux {
    /// The multiplexer that picks the handlers.
    public let mux: any HTTPMux
    /// How errors are answered.
    public let errors: ErrorResponder
    private let middleware: [Middleware]

    /// `mux` with `middleware` around its handlers (the first given runs first).
    public init(_ mux: any HTTPMux, errors: ErrorResponder = .plainText, _ middleware: Middleware...) {
        self.init(mux, errors: errors, middleware: middleware)
    }

    /// `mux` with `middleware` around its handlers (the first runs first).
    public init(_ mux: any HTTPMux, errors: ErrorResponder = .plainText, middleware: [Middleware]) {
        self.mux = mux
        self.errors = errors
        self.middleware = middleware
    }

    /// The inner multiplexer's handler (or a 404), wrapped in the middleware.
    public func handler(host: String?, path: String) -> HTTPHandler? {
        var handler: HTTPHandler
        if let found = mux.handler(host: host, path: path) {
            handler = found
        } else {
            handler = { request, _ in throw HTTPError(404, "nothing at \(request.path)") }
        }
        let errors = errors
        let inner = handler
        handler = { request, response in
            do { try await inner(request, response) } catch { try await errors.respond(to: error, request: request, response: response) }
        }
        for layer in middleware.reversed() { handler = layer.wrapping(handler) }
        let wrapped = handler
        return { request, response in
            do { try await wrapped(request, response) } catch { try await errors.respond(to: error, request: request, response: response) }
        }
    }

    /// Registers on the inner multiplexer.
    public func putHandler(host: String?, path: String, handler: @escaping HTTPHandler) throws {
        try mux.putHandler(host: host, path: path, handler: handler)
    }
}
