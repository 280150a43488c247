/// A request handler: called once per request with the request and the response to write.
///
/// A handler answers through `response` (`write`, `begin`/`chunk`/`end`, or `file`). If it throws before
/// answering, the client gets a 500 (or the status the error implies, such as 413 for a body over the
/// limit); if it throws after output began, the connection is closed.
///
/// The type is `nonisolated(nonsending)`: a handler runs on the connection's event loop, where it was
/// called, with no executor hop. A closure written where an `HTTPHandler` is expected gets this type by
/// itself. Declare stored handlers with it too (`let hello: HTTPHandler = { request, response in … }`):
/// a value of the plain type `@Sendable (HTTPRequest, HTTPResponse) async throws -> Void` converts, but
/// each call then hops to the global executor and back, and Swift 6.3 cannot type-check that
/// conversion inside `?:` (`path == "/a" ? handler : nil` stops with "failed to produce diagnostic
/// for expression"): write `if path == "/a" { return handler }; return nil` instead.
public typealias HTTPHandler = nonisolated(nonsending) @Sendable (HTTPRequest, HTTPResponse) async throws -> Void

/// The request multiplexer: maps a host and path to the handler that serves it.
///
/// swift-httpd ships the reference's five kinds (`DefaultHTTPMux`, `RecursiveHTTPMux`, `StaticHTTPMux`,
/// `RecursiveStaticHTTPMux`, `CustomHTTPMux`), which serve every host alike, and `VirtualHostMux`, which
/// picks one of them by host; any `Sendable` type with these two methods can serve.
public protocol HTTPMux: Sendable {
    /// The handler for a request to `path` on `host` (the request's `Host` header), or nil for 404.
    func handler(host: String?, path: String) -> HTTPHandler?
    /// Registers `handler` for `path`; throws if this multiplexer does not take registrations.
    func putHandler(host: String?, path: String, handler: @escaping HTTPHandler) throws
}
