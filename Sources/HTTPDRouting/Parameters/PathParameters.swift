/// The path parameters a route matched: `:id` in `/todos/:id`, and `**` for the rest of the path,
/// percent-decoded.
///
/// ```swift
/// router.get("/todos/:id") { request, response in
///     let id = try request.parameters.require("id", as: Int.self)   // 400 when it is not an Int
/// }
/// ```
public struct PathParameters: Sendable, Sequence {
    private var pairs: [(name: String, value: String)]

    /// No parameters.
    public init() {
        pairs = []
    }

    init(_ pairs: [(name: String, value: String)]) {
        self.pairs = pairs
    }

    /// Whether the route matched no parameters.
    public var isEmpty: Bool { pairs.isEmpty }

    /// The value of the parameter called `name`, or nil.
    public subscript(_ name: String) -> String? {
        pairs.first { $0.name == name }?.value
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

    /// The parameters in pattern order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        pairs.makeIterator()
    }
}
