/// The lookup every built-in multiplexer shares: a table of paths, searched exactly or by prefix.
struct HandlerTable: Sendable {
    /// A handler kept at its own function type: a closure stored straight in a dictionary, or passed
    /// through a generic function (a lock's `withLockedValue`, `??`), is kept at the generic
    /// representation, and every call would go through conversion thunks. Inside a struct it is not.
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
    func exact(_ path: String) -> Entry? {
        handlers[path] ?? fallback
    }

    /// The handler for `path` or its closest parent prefix cut at a `/`
    /// (`/a/b/c`, `/a/b`, `/a`, then `""`), else the fallback.
    func recursive(_ path: String) -> Entry? {
        if let entry = handlers[path] { return entry }
        var prefix = Substring(path)
        while let slash = prefix.utf8.lastIndex(of: UInt8(ascii: "/")) {
            prefix = prefix[..<slash]
            if let entry = handlers[String(prefix)] { return entry }
        }
        return fallback
    }
}
