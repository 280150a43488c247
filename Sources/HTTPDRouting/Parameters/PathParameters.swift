/// The path parameters a route matched: `:id` in `/todos/:id`, and `**` for the rest of the path,
/// percent-decoded.
///
/// ```swift
/// router.get("/todos/:id") { request, response in
///     let id = try request.parameters.require("id", as: Int.self)   // 400 when it is not an Int
/// }
/// ```
public struct PathParameters: Sendable, Sequence {
    /// The names, in pattern order (the route's own array, shared, not copied per request).
    private let names: [String]
    private let values: [String]

    /// No parameters.
    public init() {
        names = []
        values = []
    }

    init(names: [String], values: [String]) {
        self.names = names
        self.values = values
    }

    /// Whether the route matched no parameters.
    public var isEmpty: Bool { values.isEmpty }

    /// The value of the parameter called `name` (`**` for the rest of the path), or nil.
    public subscript(_ name: String) -> String? {
        guard let index = names.firstIndex(of: name), index < values.count else { return nil }
        return values[index]
    }

    /// The value of `name` as a `T` (`Int`, `Double`, `Bool`, `String`, …), or nil when there is no
    /// such parameter or it does not convert.
    public func get<T: LosslessStringConvertible>(_ name: String, as type: T.Type = T.self) -> T? {
        self[name].flatMap(T.init)
    }

    /// The value of `name` as a `T`. Throws `HTTPError` 400 when it does not convert (the client sent
    /// `/todos/abc`), and `RoutingError.unknownParameter` when the route has no such parameter.
    public func require<T: LosslessStringConvertible>(_ name: String, as type: T.Type = String.self) throws -> T {
        guard let text = self[name] else { throw RoutingError.unknownParameter(name) }
        guard let value = T(text) else {
            throw HTTPError(400, "path parameter \(name) must be \(TypeName.describe(T.self)), got \"\(text)\"")
        }
        return value
    }

    /// The parameters in pattern order, as (name, value) pairs.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        zip(names, values).map { (name: $0, value: $1) }.makeIterator()
    }
}
