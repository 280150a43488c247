/// The lookup every built-in multiplexer shares: a table of paths, searched exactly or by prefix.
struct HandlerTable: Sendable {
    var handlers: [String: HTTPHandler]
    let fallback: HTTPHandler?

    /// The handler registered for exactly `path`, else the fallback.
    func exact(_ path: String) -> HTTPHandler? {
        handlers[path] ?? fallback
    }

    /// The handler for `path` or its closest parent prefix cut at a `/`
    /// (`/a/b/c`, `/a/b`, `/a`, then `""`), else the fallback.
    func recursive(_ path: String) -> HTTPHandler? {
        if let handler = handlers[path] { return handler }
        var prefix = Substring(path)
        while let slash = prefix.utf8.lastIndex(of: UInt8(ascii: "/")) {
            prefix = prefix[..<slash]
            if let handler = handlers[String(prefix)] { return handler }
        }
        return fallback
    }
}
