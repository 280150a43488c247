/// Misuse of the routing API: a route pattern, cookie or parameter name that cannot work.
public enum RoutingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A route pattern that cannot be matched (`**` not last, an empty `:` name, a name used twice, …).
    case invalidPattern(String, reason: String)
    /// A cookie whose name, value or attribute cannot be sent in a `Set-Cookie` header.
    case invalidCookie(name: String, reason: String)
    /// `parameters.require` asked for a name the route's pattern does not have.
    case unknownParameter(String)

    /// What went wrong, in a sentence.
    public var description: String {
        switch self {
        case .invalidPattern(let pattern, let reason):
            return "route pattern \"\(pattern)\": \(reason)"
        case .invalidCookie(let name, let reason):
            return "cookie \"\(name)\": \(reason)"
        case .unknownParameter(let name):
            return "the route has no path parameter \"\(name)\" (its pattern has no :\(name))"
        }
    }
}
