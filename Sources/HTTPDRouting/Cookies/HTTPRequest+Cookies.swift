import HTTPD

extension HTTPRequest {
    /// The cookies the client sent (`Cookie: a=1; b=2`, every `Cookie` header), by name; where a name
    /// comes twice, the first value. Values are as sent (a quoted value loses its quotes).
    public var cookies: [String: String] {
        var cookies: [String: String] = [:]
        for header in headerValues("Cookie") {
            for pair in header.split(separator: ";") {
                let pair = pair.trimmingSpaces
                guard let equals = pair.firstIndex(of: "=") else { continue }
                let name = String(pair[..<equals].trimmingSpaces)
                var value = pair[pair.index(after: equals)...].trimmingSpaces
                if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
                guard !name.isEmpty, cookies[name] == nil else { continue }
                cookies[name] = String(value)
            }
        }
        return cookies
    }

    /// The value of the cookie called `name`, or nil.
    public func cookie(_ name: String) -> String? {
        cookies[name]
    }
}
