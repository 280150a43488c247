/// The lookup every built-in multiplexer shares: a table of paths, searched exactly or by prefix.
struct HandlerTable: Sendable {
    /// A handler kept at its own function type: a closure stored straight in a dictionary is kept at
    /// the generic representation, and every call would go through a conversion thunk.
    struct Entry: Sendable {
        let handler: HTTPHandler
    }

    private var handlers: [String: Entry]
    private let fallback: Entry?

    init(handlers: [String: HTTPHandler], fallback: HTTPHandler?) {
        self.handlers = handlers.mapValues(Entry.init)
        self.fallback = fallback.map(Entry.init)
    }

    /// Registers `handler` for `path`, replacing any earlier one.
    mutating func put(_ path: String, _ handler: @escaping HTTPHandler) {
        handlers[path] = Entry(handler: handler)
    }

    /// The handler registered for exactly `path`, else the fallback.
    func exact(_ path: String) -> HTTPHandler? {
        (handlers[path] ?? fallback)?.handler
    }

    /// The handler for `path` or its closest parent prefix cut at a `/`
    /// (`/a/b/c`, `/a/b`, `/a`, then `""`), else the fallback.
    func recursive(_ path: String) -> HTTPHandler? {
        if let entry = handlers[path] { return entry.handler }
        var prefix = Substring(path)
        while let slash = prefix.utf8.lastIndex(of: UInt8(ascii: "/")) {
            prefix = prefix[..<slash]
            if let entry = handlers[String(prefix)] { return entry.handler }
        }
        return fallback?.handler
    }
}
