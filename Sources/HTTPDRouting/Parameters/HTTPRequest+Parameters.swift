import HTTPD

extension HTTPRequest {
    /// The key under which a router keeps a request's path parameters in `userInfo`.
    /// (Short enough to be stored inline: hashing it reads no heap memory.)
    static let parametersKey = "path.params"

    /// The path parameters of the route that matched (`:id` in `/todos/:id`), percent-decoded; empty
    /// outside a `Router`.
    public var parameters: PathParameters {
        get { userInfo[Self.parametersKey] as? PathParameters ?? PathParameters() }
        set { userInfo[Self.parametersKey] = newValue }
    }

    /// The first query parameter called `name` as a `T` (`?limit=20` → `20`), or nil when the query has
    /// no such parameter. Throws `HTTPError` 400 when it is there but does not convert.
    public func queryParameter<T: LosslessStringConvertible>(_ name: String, as type: T.Type) throws -> T? {
        guard let text = queryParameter(name) else { return nil }
        guard let value = T(text) else {
            throw HTTPError(400, "query parameter \(name) must be \(TypeName.describe(T.self)), got \"\(text)\"")
        }
        return value
    }

    /// The first query parameter called `name` as a `T`; throws `HTTPError` 400 when it is missing or
    /// does not convert.
    public func requireQueryParameter<T: LosslessStringConvertible>(_ name: String, as type: T.Type = String.self) throws -> T {
        guard let value = try queryParameter(name, as: T.self) else {
            throw HTTPError(400, "query parameter \(name) is missing")
        }
        return value
    }
}
