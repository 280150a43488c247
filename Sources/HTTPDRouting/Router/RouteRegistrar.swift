import HTTPD

/// What routes are registered on: a `Router`, or a `RouteGroup` of one.
///
/// A pattern is a path whose segments are literals, `:name` parameters, or a last `**` that takes the
/// rest of the path: `/todos/:id`, `/files/**`. Registering a method and pattern again replaces the
/// earlier handler. A pattern that cannot work throws `RoutingError.invalidPattern`.
public protocol RouteRegistrar {
    /// Registers `handler` for `method` (`"GET"`, `"PATCH"`, …, or `"*"` for any) and `pattern`.
    func on(_ method: String, _ pattern: String, _ handler: @escaping HTTPHandler) throws
}

extension RouteRegistrar {
    /// Registers `handler` for GET (and so HEAD) requests matching `pattern`.
    public func get(_ pattern: String, _ handler: @escaping HTTPHandler) throws { try on("GET", pattern, handler) }
    /// Registers `handler` for POST requests matching `pattern`.
    public func post(_ pattern: String, _ handler: @escaping HTTPHandler) throws { try on("POST", pattern, handler) }
    /// Registers `handler` for PUT requests matching `pattern`.
    public func put(_ pattern: String, _ handler: @escaping HTTPHandler) throws { try on("PUT", pattern, handler) }
    /// Registers `handler` for PATCH requests matching `pattern`.
    public func patch(_ pattern: String, _ handler: @escaping HTTPHandler) throws { try on("PATCH", pattern, handler) }
    /// Registers `handler` for DELETE requests matching `pattern`.
    public func delete(_ pattern: String, _ handler: @escaping HTTPHandler) throws { try on("DELETE", pattern, handler) }
    /// Registers `handler` for requests matching `pattern` whatever their method (routes for a method win).
    public func any(_ pattern: String, _ handler: @escaping HTTPHandler) throws { try on("*", pattern, handler) }
}
