import NIOConcurrencyHelpers

/// Maps exact paths to handlers, for every host (`make-default-http-mux`).
///
/// Handlers can be registered at any time; the table is guarded by a lock.
///
/// `host` is ignored, as in the reference: every host gets the same handlers (a `VirtualHostMux` picks
/// a multiplexer by host).
public final class DefaultHTTPMux: HTTPMux {
    private let table: NIOLockedValueBox<HandlerTable>

    /// A multiplexer with no handlers; `default` serves paths nothing was registered for (else 404).
    public init(default fallback: HTTPHandler? = nil) {
        table = NIOLockedValueBox(HandlerTable(handlers: [:], fallback: fallback))
    }

    /// The handler registered for exactly `path`, else the default.
    public func handler(host: String?, path: String) -> HTTPHandler? {
        table.withLockedValue { $0.exact(path) }?.handler
    }

    /// Registers `handler` for exactly `path`, replacing any earlier one.
    public func putHandler(host: String?, path: String, handler: @escaping HTTPHandler) {
        table.withLockedValue { $0.put(path, handler) }
    }
}
