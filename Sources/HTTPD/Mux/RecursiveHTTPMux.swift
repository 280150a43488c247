import NIOConcurrencyHelpers

/// Maps paths and everything below them to handlers, for every host (`make-recursive-http-mux`).
///
/// A request for `/a/b/c` tries `/a/b/c`, `/a/b`, `/a`, then `""` (so registering `""` catches
/// everything), then the default.
///
/// `host` is ignored, as in the reference: every host gets the same handlers (a `VirtualHostMux` picks
/// a multiplexer by host).
public final class RecursiveHTTPMux: HTTPMux {
    private let table: NIOLockedValueBox<HandlerTable>

    /// A multiplexer with no handlers; `default` serves paths nothing matches (else 404).
    public init(default fallback: HTTPHandler? = nil) {
        table = NIOLockedValueBox(HandlerTable(handlers: [:], fallback: fallback))
    }

    /// The handler for `path` or its closest registered parent, else the default.
    public func handler(host: String?, path: String) -> HTTPHandler? {
        table.withLockedValue { $0.recursive(path) }?.handler
    }

    /// Registers `handler` for `path` and everything below it.
    public func putHandler(host: String?, path: String, handler: @escaping HTTPHandler) {
        table.withLockedValue { $0.put(path, handler) }
    }
}
