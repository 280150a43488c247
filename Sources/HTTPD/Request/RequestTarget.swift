/// Splits a request target into its path and query, the way the reference does.
enum RequestTarget {
    /// `/a?b=c` → (`/a`, `b=c`); `/a` → (`/a`, nil); `http://host:80/a?b` → (`/a`, `b`); `*` → (`*`, nil).
    static func split(_ target: String) -> (path: String, params: String?) {
        var origin = Substring(target)
        if !origin.hasPrefix("/"), let scheme = origin.range(of: "://") {
            let authorityAndPath = origin[scheme.upperBound...]
            if let slash = authorityAndPath.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                origin = authorityAndPath[slash...]
            } else {
                origin = "/"
            }
        }
        guard let question = origin.utf8.firstIndex(of: UInt8(ascii: "?")) else {
            let path = origin.isEmpty ? "/" : String(origin)
            return (path, nil)
        }
        var path = String(origin[..<question])
        if path.isEmpty { path = "/" }
        return (path, String(origin[origin.index(after: question)...]))
    }
}
