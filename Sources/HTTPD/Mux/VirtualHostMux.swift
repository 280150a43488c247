import NIOConcurrencyHelpers

/// Picks a multiplexer by the request's host (virtual hosts): the one for the exact `Host` header, else
/// the one for its name without the port, else the default.
///
/// ```swift
/// let mux = VirtualHostMux()
/// let server = try await HTTPServer.start(mux: mux, addresses: ["127.0.0.1:8080"])
/// try await server.register("/", host: "admin.example") { _, response in
///     try await response.write(status: 200, body: "admin\n")
/// }
/// try await server.register("/") { _, response in try await response.write(status: 200, body: "www\n") }
/// ```
///
/// Hosts compare without case and without a trailing dot. A request whose host has a multiplexer of its
/// own is served by that one alone (a path it does not know is 404, not the default's page); one without
/// `Host` (HTTP/1.0), or for another host, gets the default. Registering with `host: nil` registers on
/// the default; with a host, on that host's multiplexer, made by `makeMux` the first time.
public final class VirtualHostMux: HTTPMux {
    private let hosts: NIOLockedValueBox<[String: any HTTPMux]>
    private let fallback: any HTTPMux
    private let makeMux: @Sendable () -> any HTTPMux

    /// A multiplexer serving `hosts` (keyed by `name` or `name:port`), every other host with `default`,
    /// and making a host's multiplexer with `makeMux` when a handler is first registered for it.
    public init(
        _ hosts: [String: any HTTPMux] = [:],
        default fallback: any HTTPMux = DefaultHTTPMux(),
        makeMux: @escaping @Sendable () -> any HTTPMux = { DefaultHTTPMux() }
    ) {
        var table: [String: any HTTPMux] = [:]
        for (host, mux) in hosts { table[Self.normalized(host)] = mux }
        self.hosts = NIOLockedValueBox(table)
        self.fallback = fallback
        self.makeMux = makeMux
    }

    /// The multiplexer for `host`: the exact host (with its port, if any), else the host without its
    /// port, else nil (the default serves it).
    public func mux(for host: String) -> (any HTTPMux)? {
        let name = Self.normalized(host)
        return hosts.withLockedValue { table in
            if let mux = table[name] { return mux }
            guard let bare = Self.withoutPort(name) else { return nil }
            return table[bare]
        }
    }

    /// The handler of the host's multiplexer for `path`, or of the default's for other hosts.
    public func handler(host: String?, path: String) -> HTTPHandler? {
        let mux = host.flatMap { self.mux(for: $0) } ?? fallback
        if let handler = mux.handler(host: host, path: path) { return handler }
        return nil
    }

    /// Registers `handler` on `host`'s multiplexer (made on first use), or on the default when `host` is nil.
    public func putHandler(host: String?, path: String, handler: @escaping HTTPHandler) throws {
        guard let host else {
            try fallback.putHandler(host: nil, path: path, handler: handler)
            return
        }
        let name = Self.normalized(host)
        let makeMux = makeMux
        let mux = hosts.withLockedValue { table in
            if let mux = table[name] { return mux }
            let mux = makeMux()
            table[name] = mux
            return mux
        }
        try mux.putHandler(host: host, path: path, handler: handler)
    }

    /// `host` lowercased, without a trailing dot before the port or at the end.
    static func normalized(_ host: String) -> String {
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        if let bare = withoutPort(name), bare.hasSuffix(".") {
            name = String(bare.dropLast()) + name.dropFirst(bare.count)
        }
        return name
    }

    /// `name:port` or `[v6]:port` without `:port`; nil when there is no port.
    static func withoutPort(_ host: String) -> String? {
        guard let colon = host.utf8.lastIndex(of: UInt8(ascii: ":")) else { return nil }
        let port = host.utf8[host.utf8.index(after: colon)...]
        guard !port.isEmpty, port.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        let name = host[..<colon]
        // A bare IPv6 address has colons of its own: only `[…]:port` has a port.
        if name.contains(":"), !(name.hasPrefix("[") && name.hasSuffix("]")) { return nil }
        return String(name)
    }
}
