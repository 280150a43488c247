import HTTPD

/// Routes under a common path prefix, with middleware of their own.
///
/// ```swift
/// var admin = router.group("/admin")
/// admin.use(requireLogin)              // wraps the routes registered after it
/// try admin.get("/stats") { request, response in … }   // GET /admin/stats
/// ```
public struct RouteGroup: RouteRegistrar, Sendable {
    /// The router the routes go to.
    public let router: Router
    /// The path before every pattern registered here.
    public let prefix: String
    private var middleware: [Middleware] = []

    init(router: Router, prefix: String, middleware: [Middleware] = []) {
        self.router = router
        self.prefix = prefix
        self.middleware = middleware
    }

    /// Registers `handler`, wrapped in the group's middleware, for `method` and prefix + `pattern`.
    public func on(_ method: String, _ pattern: String, _ handler: @escaping HTTPHandler) throws {
        var wrapped = handler
        for layer in middleware.reversed() { wrapped = layer.wrapping(wrapped) }
        try router.on(method, RoutePattern.join(prefix, pattern), wrapped)
    }

    /// Wraps the routes registered from now on in `middleware` (the first given runs first), inside
    /// the group's earlier middleware.
    public mutating func use(_ middleware: Middleware...) {
        self.middleware += middleware
    }

    /// A group under prefix + `prefix`, with this group's middleware.
    public func group(_ prefix: String) -> RouteGroup {
        RouteGroup(router: router, prefix: RoutePattern.join(self.prefix, prefix), middleware: middleware)
    }
}
