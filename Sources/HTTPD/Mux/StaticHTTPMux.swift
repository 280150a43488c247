/// Maps exact paths to handlers from a table fixed when it is made (`make-static-http-mux`).
///
/// No lock guards the lookups; `putHandler` throws `HTTPDError.registrationNotSupported`.
///
/// `host` is ignored, as in the reference: every host gets the same handlers (a `VirtualHostMux` picks
/// a multiplexer by host).
public struct StaticHTTPMux: HTTPMux {
    private let table: HandlerTable

    /// A multiplexer serving `handlers`; `default` serves paths not in the table (else 404).
    public init(_ handlers: [String: HTTPHandler], default fallback: HTTPHandler? = nil) {
        table = HandlerTable(handlers: handlers, fallback: fallback)
    }

    /// The handler in the table for exactly `path`, else the default.
    public func handler(host: String?, path: String) -> HTTPHandler? {
        table.exact(path)?.handler
    }

    /// Always throws: a static table cannot change.
    public func putHandler(host: String?, path: String, handler: @escaping HTTPHandler) throws {
        throw HTTPDError.registrationNotSupported(mux: "StaticHTTPMux")
    }
}

/// Maps paths and everything below them to handlers from a fixed table (`make-recursive-static-http-mux`).
///
/// Lookups walk parent prefixes as `RecursiveHTTPMux` does, with no lock; `putHandler` throws.
///
/// `host` is ignored, as in the reference: every host gets the same handlers (a `VirtualHostMux` picks
/// a multiplexer by host).
public struct RecursiveStaticHTTPMux: HTTPMux {
    private let table: HandlerTable

    /// A multiplexer serving `handlers` and their subpaths; `default` serves what nothing matches.
    public init(_ handlers: [String: HTTPHandler], default fallback: HTTPHandler? = nil) {
        table = HandlerTable(handlers: handlers, fallback: fallback)
    }

    /// The handler for `path` or its closest parent in the table, else the default.
    public func handler(host: String?, path: String) -> HTTPHandler? {
        table.recursive(path)?.handler
    }

    /// Always throws: a static table cannot change.
    public func putHandler(host: String?, path: String, handler: @escaping HTTPHandler) throws {
        throw HTTPDError.registrationNotSupported(mux: "RecursiveStaticHTTPMux")
    }
}
