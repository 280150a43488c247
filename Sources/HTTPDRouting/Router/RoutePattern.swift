/// A route pattern, parsed: `/todos/:id` is the literal `todos` then the parameter `id`; `/files/**`
/// is `files` then the rest of the path.
struct RoutePattern: Sendable {
    /// One `/`-separated part of a pattern.
    enum Segment: Sendable, Equatable {
        /// Matches exactly this text (compared as sent, before percent-decoding).
        case literal(String)
        /// `:name`: matches any one segment, captured as `name`.
        case parameter(String)
        /// `**`: matches the rest of the path (none or more segments), captured as `**`.
        case rest
    }

    /// The pattern as written.
    let text: String
    let segments: [Segment]

    /// The names of the captured values, in order (`**` for the rest).
    var names: [String] {
        segments.compactMap {
            switch $0 {
            case .literal: return nil
            case .parameter(let name): return name
            case .rest: return "**"
            }
        }
    }

    /// Parses `text`; throws `RoutingError.invalidPattern` saying what is wrong with it.
    init(_ text: String) throws(RoutingError) {
        self.text = text
        guard text.isEmpty || text.hasPrefix("/") else { throw .invalidPattern(text, reason: "a pattern starts with /") }
        guard !text.contains("?"), !text.contains("#") else {
            throw .invalidPattern(text, reason: "a pattern is a path: no query (?) or fragment (#)")
        }
        var segments: [Segment] = []
        var seen: Set<String> = []
        for part in text.split(separator: "/") {
            if case .rest? = segments.last { throw .invalidPattern(text, reason: "** must be the last segment") }
            if part == "**" {
                segments.append(.rest)
            } else if part.hasPrefix(":") {
                let name = String(part.dropFirst())
                guard !name.isEmpty else { throw .invalidPattern(text, reason: "a parameter needs a name after the colon") }
                guard name != "**", seen.insert(name).inserted else {
                    throw .invalidPattern(text, reason: "parameter name \(name) is used twice")
                }
                segments.append(.parameter(name))
            } else if part.contains("*") {
                throw .invalidPattern(text, reason: "\(part): * is only allowed as a whole ** segment at the end")
            } else {
                segments.append(.literal(String(part)))
            }
        }
        self.segments = segments
    }

    /// `prefix` and `pattern` as one path: `/api` + `/todos` → `/api/todos`.
    static func join(_ prefix: String, _ pattern: String) -> String {
        var head = Substring(prefix)
        while head.hasSuffix("/") { head = head.dropLast() }
        let tail = pattern.hasPrefix("/") || pattern.isEmpty ? pattern : "/" + pattern
        let joined = head + tail
        return joined.isEmpty ? "/" : String(joined)
    }
}
