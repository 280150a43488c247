/// The validators a file response carries, and that conditional requests are compared against.
struct Validators: Equatable, Sendable {
    /// The `ETag`.
    var etag: EntityTag
    /// The `Last-Modified` time, in seconds since the epoch (never later than the response's date).
    var lastModified: Int64

    /// The validators of a file: its size-and-time tag and its modification time, capped at `now`
    /// (RFC 9110 §8.8.2.1: a Last-Modified in the future is not sent).
    init(file status: FileStatus, now: Int64) {
        etag = EntityTag.forFile(status)
        lastModified = min(status.modifiedSeconds, now)
    }

    init(etag: EntityTag, lastModified: Int64) {
        self.etag = etag
        self.lastModified = lastModified
    }

    /// The `Last-Modified` header value (IMF-fixdate).
    var lastModifiedHeader: String { HTTPDate.format(lastModified) }
}

/// What the preconditions of a request decide (RFC 9110 §13.2.2).
enum ConditionalOutcome: Equatable, Sendable {
    /// Answer normally. `honourRange` is false when an `If-Range` did not hold: the `Range` is
    /// ignored and the whole file is sent.
    case proceed(honourRange: Bool)
    /// 304 Not Modified, no body.
    case notModified
    /// 412 Precondition Failed.
    case preconditionFailed
}

/// Evaluates `If-Match`, `If-Unmodified-Since`, `If-None-Match`, `If-Modified-Since` and `If-Range`
/// in the order RFC 9110 §13.2.2 prescribes:
///
/// 1. `If-Match` (strong comparison, `*` matches any file): false → 412.
/// 2. without `If-Match`, `If-Unmodified-Since`: modified after the date → 412.
/// 3. `If-None-Match` (weak comparison, `*` matches): a match → 304 for GET and HEAD, else 412.
/// 4. without `If-None-Match`, for GET and HEAD, `If-Modified-Since`: not modified since → 304.
/// 5. `If-Range` (a strong tag or an exact date): false → ignore `Range`.
///
/// An unparsable date, or a date field with more than one value, is ignored. A malformed `If-Match`
/// is false; a malformed `If-None-Match` matches nothing.
enum ConditionalRequest {
    /// The outcome for a request with `method` whose header values are given by `values` (every value
    /// of a field, by name), against a file's `validators`.
    static func evaluate(method: String, values: (String) -> [String], validators: Validators) -> ConditionalOutcome {
        let safe = method == "GET" || method == "HEAD"
        let ifMatch = values("If-Match")
        if !ifMatch.isEmpty {
            switch EntityTag.parseCondition(ifMatch) {
            case .any?:
                break
            case .tags(let tags)?:
                if !tags.contains(where: { $0.strongMatch(validators.etag) }) { return .preconditionFailed }
            case nil:
                return .preconditionFailed
            }
        } else if let date = singleDate(values("If-Unmodified-Since")), validators.lastModified > date {
            return .preconditionFailed
        }

        let ifNoneMatch = values("If-None-Match")
        if !ifNoneMatch.isEmpty {
            let matched: Bool
            switch EntityTag.parseCondition(ifNoneMatch) {
            case .any?: matched = true
            case .tags(let tags)?: matched = tags.contains { $0.weakMatch(validators.etag) }
            case nil: matched = false
            }
            if matched { return safe ? .notModified : .preconditionFailed }
        } else if safe, let date = singleDate(values("If-Modified-Since")), validators.lastModified <= date {
            return .notModified
        }

        let ifRange = values("If-Range")
        guard !ifRange.isEmpty, !values("Range").isEmpty else { return .proceed(honourRange: true) }
        return .proceed(honourRange: ifRange.count == 1 && ifRangeHolds(ifRange[0], validators: validators))
    }

    /// An `If-Range` value holds: a strong tag equal to the file's, or exactly its modification date.
    static func ifRangeHolds(_ value: String, validators: Validators) -> Bool {
        let trimmed = value.trimmingSpaces
        if trimmed.hasPrefix("\"") || trimmed.hasPrefix("W/") {
            guard let tag = EntityTag.parseSingle(trimmed) else { return false }
            return tag.strongMatch(validators.etag)
        }
        guard let date = HTTPDate.parse(trimmed) else { return false }
        return date == validators.lastModified
    }

    private static func singleDate(_ values: [String]) -> Int64? {
        guard values.count == 1 else { return nil }
        return HTTPDate.parse(values[0].trimmingSpaces)
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
