import HTTPD

/// A registered route: its handler (wrapped in the middleware of its group), the names of what
/// its pattern captures, and the pattern as registered (`HTTPRequest.route`).
struct Route: Sendable {
    let handler: HTTPHandler
    let names: [String]
    let pattern: String
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
    /// A route, with the path parameters its pattern captured, percent-decoded.
    case found(Route, PathParameters)
    /// Routes for the path, none for the method: the `Allow` value.
    case methodNotAllowed(allow: String)
    /// No route for the path.
    case notFound
    /// A captured segment holds a bad percent-escape.
    case malformed
}

/// One node of the route tree: a path position, its literal children, its parameter child, and the
/// routes that end here or take the rest of the path from here.
///
/// A class, so matching walks nodes without copying them; nodes change only under the router's lock,
/// and lookups read them under it too (hence `@unchecked Sendable`, and no dynamic exclusivity checks).
final class RouteNode: @unchecked Sendable {
    /// Literal children, compared byte by byte (a handful per node as a rule: cheaper than hashing).
    @exclusivity(unchecked) private var literalKeys: [[UInt8]] = []
    /// Each key's length and first byte in one number, compared before the bytes.
    @exclusivity(unchecked) private var literalTags: [Int] = []
    @exclusivity(unchecked) private var literalNodes: [RouteNode] = []
    /// The child for a `:name` segment.
    @exclusivity(unchecked) private var parameter: RouteNode?
    /// The routes of a pattern that ends here.
    @exclusivity(unchecked) private var methods: RouteMethods?
    /// The routes of a pattern ending in `**` here.
    @exclusivity(unchecked) private var rest: RouteMethods?

    /// Adds `route` for `method` at the end of `segments`, replacing any route the same pattern had for it.
    func insert(_ segments: ArraySlice<RoutePattern.Segment>, method: String, route: Route) {
        guard let first = segments.first else {
            methods = methods ?? RouteMethods()
            methods!.set(route, for: method)
            return
        }
        switch first {
        case .literal(let text):
            let key = Array(text.utf8)
            if let index = literalKeys.firstIndex(of: key) {
                literalNodes[index].insert(segments.dropFirst(), method: method, route: route)
            } else {
                let node = RouteNode()
                literalKeys.append(key)
                literalTags.append(Self.tag(count: key.count, first: key.first ?? 0))
                literalNodes.append(node)
                node.insert(segments.dropFirst(), method: method, route: route)
            }
        case .parameter:
            let node = parameter ?? RouteNode()
            parameter = node
            node.insert(segments.dropFirst(), method: method, route: route)
        case .rest:
            rest = rest ?? RouteMethods()
            rest!.set(route, for: method)
        }
    }

    /// The route for `method` and `path`. Literal segments are tried before parameters, and both before
    /// `**`; the first pattern that matches the path decides (405 when it has no route for the method).
    func lookup(method: String, path: String) -> RouteLookup {
        var values: [String] = []
        var malformed = false
        var path = path  // withUTF8 copies only a string that is not contiguous UTF-8 already
        let found = path.withUTF8 { match($0, from: 0, values: &values, malformed: &malformed) }
        guard let methods = found else { return .notFound }
        guard !malformed else { return .malformed }
        guard let route = methods.route(for: method) else { return .methodNotAllowed(allow: methods.allow) }
        // Values were collected on the way back from the last segment: last first.
        values.reverse()
        return .found(route, PathParameters(names: route.names, values: values))
    }

    /// Matches the segments of `path` from byte `start`, skipping empty ones. On success the captured
    /// values are appended to `values`, decoded, on the way back (so in reverse order).
    private func match(
        _ path: UnsafeBufferPointer<UInt8>, from start: Int, values: inout [String], malformed: inout Bool
    ) -> RouteMethods? {
        var first = start
        while first < path.count, path[first] == UInt8(ascii: "/") { first += 1 }
        guard first < path.count else {
            if let methods { return methods }
            if let rest {
                values.append("")
                return rest
            }
            return nil
        }
        var end = first
        while end < path.count, path[end] != UInt8(ascii: "/") { end += 1 }
        let segment = UnsafeBufferPointer(rebasing: path[first..<end])
        let tag = Self.tag(count: segment.count, first: segment[0])
        for index in literalTags.indices where literalTags[index] == tag && Self.equal(literalKeys[index], segment) {
            if let found = literalNodes[index].match(path, from: end, values: &values, malformed: &malformed) { return found }
            break
        }
        if let parameter, let found = parameter.match(path, from: end, values: &values, malformed: &malformed) {
            if values.isEmpty { values.reserveCapacity(4) }
            if let value = PercentDecoding.decode(segment) { values.append(value) } else { malformed = true }
            return found
        }
        if let rest {
            if let value = PercentDecoding.decodeRest(UnsafeBufferPointer(rebasing: path[first...])) {
                values.append(value)
            } else {
                malformed = true
            }
            return rest
        }
        return nil
    }

    /// A segment's length and first byte as one number.
    @inline(__always)
    private static func tag(count: Int, first: UInt8) -> Int {
        count << 8 | Int(first)
    }

    /// Whether `key` and `segment` hold the same bytes.
    @inline(__always)
    private static func equal(_ key: [UInt8], _ segment: UnsafeBufferPointer<UInt8>) -> Bool {
        guard key.count == segment.count else { return false }
        return key.withUnsafeBufferPointer { key in
            for index in 0..<key.count where key[index] != segment[index] { return false }
            return true
        }
    }
}
