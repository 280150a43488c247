import HTTPD

/// A registered route: its handler (wrapped in the middleware of its group) and the names of what
/// its pattern captures.
struct Route: Sendable {
    let handler: HTTPHandler
    let names: [String]
}

/// The routes of one path pattern, by method (`*` for any method).
struct RouteMethods: Sendable {
    private(set) var routes: [String: Route] = [:]
    /// The GET route again, found without hashing for the most common method.
    private var get: Route?

    /// Sets the route for `method`.
    mutating func set(_ route: Route, for method: String) {
        routes[method] = route
        if method == "GET" { get = route }
    }

    /// The route for `method`: its own, else GET's for HEAD, else the any-method route.
    func route(for method: String) -> Route? {
        if method == "GET", let get { return get }
        if let route = routes[method] { return route }
        if method == "HEAD", let route = routes["GET"] { return route }
        return routes["*"]
    }

    /// The `Allow` header value: the methods registered, HEAD where GET is, and OPTIONS.
    var allow: String {
        var methods = Set(routes.keys)
        if methods.contains("GET") { methods.insert("HEAD") }
        methods.insert("OPTIONS")
        return methods.sorted().joined(separator: ", ")
    }
}

/// What a path and method lead to.
enum RouteLookup {
    /// A route, with the raw (still percent-encoded) values its pattern captured.
    case found(Route, values: [Substring])
    /// Routes for the path, none for the method: the `Allow` value.
    case methodNotAllowed(allow: String)
    /// No route for the path.
    case notFound
}

/// One node of the route tree: a path position, its literal children, its parameter child, and the
/// routes that end here or take the rest of the path from here.
struct RouteNode: Sendable {
    /// Keyed by `Substring` so a request's segment is looked up without making a `String` of it.
    private var literals: [Substring: RouteNode] = [:]
    /// The child for a `:name` segment (at most one; an array because a struct cannot hold itself).
    private var parameter: [RouteNode] = []
    /// The routes of a pattern that ends here.
    private var methods: RouteMethods?
    /// The routes of a pattern ending in `**` here.
    private var rest: RouteMethods?

    /// Adds `route` for `method` at the end of `segments`, replacing any route the same pattern had for it.
    mutating func insert(_ segments: ArraySlice<RoutePattern.Segment>, method: String, route: Route) {
        guard let first = segments.first else {
            methods = methods ?? RouteMethods()
            methods!.set(route, for: method)
            return
        }
        switch first {
        case .literal(let text):
            literals[Substring(text), default: RouteNode()].insert(segments.dropFirst(), method: method, route: route)
        case .parameter:
            if parameter.isEmpty { parameter.append(RouteNode()) }
            parameter[0].insert(segments.dropFirst(), method: method, route: route)
        case .rest:
            rest = rest ?? RouteMethods()
            rest!.set(route, for: method)
        }
    }

    /// The route for `method` and `path`. Literal segments are tried before parameters, and both before
    /// `**`; the first pattern that matches the path decides (405 when it has no route for the method).
    func lookup(method: String, path: String) -> RouteLookup {
        var values: [Substring] = []
        guard let methods = match(path, from: path.utf8.startIndex, values: &values) else { return .notFound }
        guard let route = methods.route(for: method) else { return .methodNotAllowed(allow: methods.allow) }
        return .found(route, values: values)
    }

    /// Matches the segments of `path` from `start` (a byte position), skipping empty ones; scans bytes,
    /// as splitting a `String` would walk it character by character.
    private func match(_ path: String, from start: String.Index, values: inout [Substring]) -> RouteMethods? {
        let bytes = path.utf8
        var first = start
        while first < bytes.endIndex, bytes[first] == UInt8(ascii: "/") { first = bytes.index(after: first) }
        guard first < bytes.endIndex else {
            if let methods { return methods }
            if let rest {
                values.append("")
                return rest
            }
            return nil
        }
        let end = bytes[first...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.endIndex
        let segment = Substring(bytes[first..<end])
        if let child = literals[segment], let found = child.match(path, from: end, values: &values) {
            return found
        }
        if let child = parameter.first {
            if values.isEmpty { values.reserveCapacity(4) }
            values.append(segment)
            if let found = child.match(path, from: end, values: &values) { return found }
            values.removeLast()
        }
        if let rest {
            values.append(Substring(bytes[first...]))
            return rest
        }
        return nil
    }
}
