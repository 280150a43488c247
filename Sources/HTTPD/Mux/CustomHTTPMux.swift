/// A multiplexer built from two functions (`make-custom-http-mux`).
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
