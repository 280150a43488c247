import HTTPD

/// A function around a handler: it gets the request, the response and `next` (the handler it wraps),
/// and decides what happens before, after, or instead of calling it.
///
/// ```swift
/// let requireKey = Middleware { request, response, next in
///     guard request.header("X-API-Key") == "secret" else { throw HTTPError(401) }
///     try await next(request, response)
/// }
/// router.use(requireKey)                              // every route of a router
/// var admin = router.group("/admin"); admin.use(requireKey)   // the routes of a group
/// let mux = MiddlewareMux(DefaultHTTPMux(), requireKey)      // every request of a server
/// ```
///
/// Middleware runs on the connection's event loop like the handler (its type is
/// `nonisolated(nonsending)`, as `HTTPHandler`'s is).
public struct Middleware: Sendable {
    /// The middleware's function: the request, the response, and the handler to call next.
    public typealias Body = nonisolated(nonsending) @Sendable (
        _ request: HTTPRequest, _ response: HTTPResponse, _ next: HTTPHandler
    ) async throws -> Void

    private let body: Body

    /// Middleware running `body` around the handler it wraps.
    public init(_ body: @escaping Body) {
        self.body = body
    }

    /// `handler` with this middleware around it.
    public func wrapping(_ handler: @escaping HTTPHandler) -> HTTPHandler {
        let body = body
        return { request, response in try await body(request, response, handler) }
    }
}
