/// A multiplexer built from two functions (`make-custom-http-mux`).
///
/// `get` receives the request's host as `host` (its `Host` header) and decides what it means.
///
/// ```swift
/// let admin: HTTPHandler = { _, response in try await response.write(status: 200, body: "admin\n") }
/// let mux = CustomHTTPMux(get: { host, path in
///     if path.hasPrefix("/admin") { return admin }
///     return nil
/// })
/// ```
///
/// Declare the handlers `get` returns as `HTTPHandler` (not as a plain `@Sendable … async` function),
/// and prefer `if`/`return` to `?:`: Swift 6.3 stops on `path.hasPrefix("/c") ? handler : nil` with
/// "failed to produce diagnostic for expression" when `handler` has the plain type (see `HTTPHandler`).
public struct CustomHTTPMux: HTTPMux {
    private let get: @Sendable (_ host: String?, _ path: String) -> HTTPHandler?
    private let put: @Sendable (_ host: String?, _ path: String, _ handler: @escaping HTTPHandler) throws -> Void

    /// Resolves handlers with `get`; registrations call `put`, which by default ignores them.
    public init(
        get: @escaping @Sendable (_ host: String?, _ path: String) -> HTTPHandler?,
        put: @escaping @Sendable (_ host: String?, _ path: String, _ handler: @escaping HTTPHandler) throws -> Void = { _, _, _ in }
    ) {
        self.get = get
        self.put = put
    }

    /// Calls the `get` function.
    public func handler(host: String?, path: String) -> HTTPHandler? {
        get(host, path)
    }

    /// Calls the `put` function.
    public func putHandler(host: String?, path: String, handler: @escaping HTTPHandler) throws {
        try put(host, path, handler)
    }
}
