/// One satisfiable byte range of a file: `first...last`, both inclusive, as in `Content-Range`.
struct ByteRange: Equatable, Sendable {
    /// The offset of the first byte.
    var first: Int64
    /// The offset of the last byte (inclusive).
    var last: Int64

    /// The number of bytes in the range.
    var count: Int64 { last - first + 1 }

    /// The `Content-Range` value for this range of a representation of `length` bytes: `bytes 0-99/1000`.
    func contentRange(length: Int64) -> String {
        "bytes \(first)-\(last)/\(length)"
    }
}

/// What a `Range` header asks for, resolved against a file's length (RFC 9110 §14.1-14.2).
enum ByteRangeRequest: Equatable, Sendable {
    /// Send the whole file with 200: the header is absent, malformed, in another unit than `bytes`,
    /// or asks for more ranges than `ByteRanges.maximumRanges`.
    case whole
    /// One range: 206 with `Content-Range`.
    case single(ByteRange)
    /// Several disjoint, non-adjacent ranges in ascending order: 206 `multipart/byteranges`.
    case multiple([ByteRange])
    /// No range overlaps the file: 416 with `Content-Range: bytes */length`.
    case unsatisfiable
}

/// Parses and resolves `Range: bytes=…` headers, with the defences against the Apache Killer attack.
///
/// - At most `maximumRanges` ranges are honoured; a longer list is answered with the whole file.
/// - Overlapping and adjacent ranges are coalesced, so the parts never repeat a byte and their total
///   is at most the file's length. (The file server also sends the whole file when the multipart
///   framing would make the response larger than the file; see `MultipartByteRanges`.)
/// - A syntactically invalid header is ignored (the whole file), as RFC 9110 §14.2 allows.
enum ByteRanges {
    /// The most ranges one request may ask for.
    static let maximumRanges = 16

    /// `header` (the `Range` field value, or nil) resolved against a file of `length` bytes.
    static func evaluate(_ header: String?, length: Int64) -> ByteRangeRequest {
        guard let header, let specs = parse(header) else { return .whole }
        guard specs.count <= maximumRanges else { return .whole }
        var satisfiable: [ByteRange] = []
        for spec in specs {
            if let range = spec.resolve(length: length) { satisfiable.append(range) }
        }
        guard !satisfiable.isEmpty else { return .unsatisfiable }
        let merged = coalesce(satisfiable)
        return merged.count == 1 ? .single(merged[0]) : .multiple(merged)
    }

    /// One element of a range set, before it meets the file's length.
    enum Spec: Equatable, Sendable {
        /// `first-last` or, with `last` nil, `first-`.
        case from(first: Int64, last: Int64?)
        /// `-count`: the last `count` bytes.
        case suffix(count: Int64)

        /// The bytes this spec selects from a file of `length` bytes, or nil when it selects none.
        func resolve(length: Int64) -> ByteRange? {
            switch self {
            case .from(let first, let last):
                guard first < length else { return nil }
                return ByteRange(first: first, last: min(last ?? (length - 1), length - 1))
            case .suffix(let count):
                guard count > 0, length > 0 else { return nil }
                return ByteRange(first: max(0, length - count), last: length - 1)
            }
        }
    }

    /// The specs of a `bytes=` range set, or nil when the header is not one (other unit, bad syntax,
    /// `first` after `last`, no spec at all). Numbers too large for 64 bits saturate.
    static func parse(_ header: String) -> [Spec]? {
        let trimmed = header.utf8.drop { $0 == 0x20 || $0 == 0x09 }
        guard let equals = trimmed.firstIndex(of: UInt8(ascii: "=")) else { return nil }
        let unit = trimmed[..<equals]
        guard unit.count == 5, unit.elementsEqual("bytes".utf8, by: { $0 | 0x20 == $1 }) else { return nil }
        var specs: [Spec] = []
        for element in trimmed[trimmed.index(after: equals)...].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            let item = trim(element)
            if item.isEmpty { continue }  // `1#` lists may hold empty elements
            guard let dash = item.firstIndex(of: UInt8(ascii: "-")) else { return nil }
            let firstDigits = item[..<dash]
            let lastDigits = item[item.index(after: dash)...]
            if firstDigits.isEmpty {
                guard let count = number(lastDigits) else { return nil }
                specs.append(.suffix(count: count))
            } else {
                guard let first = number(firstDigits) else { return nil }
                if lastDigits.isEmpty {
                    specs.append(.from(first: first, last: nil))
                } else {
                    guard let last = number(lastDigits), first <= last else { return nil }
                    specs.append(.from(first: first, last: last))
                }
            }
            // Stop parsing an absurdly long list early: the answer is the whole file anyway.
            if specs.count > maximumRanges { return specs }
        }
        return specs.isEmpty ? nil : specs
    }

    /// The ranges sorted by start, with overlapping and adjacent ones merged.
    static func coalesce(_ ranges: [ByteRange]) -> [ByteRange] {
        var merged: [ByteRange] = []
        for range in ranges.sorted(by: { $0.first < $1.first }) {
            if let last = merged.last, range.first <= last.last + 1 {
                merged[merged.count - 1].last = max(last.last, range.last)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    private static func trim(_ bytes: Substring.UTF8View.SubSequence) -> Substring.UTF8View.SubSequence {
        var slice = bytes
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return slice
    }

    /// A run of ASCII digits as a number, saturating at `Int64.max`; nil for anything else.
    private static func number(_ digits: Substring.UTF8View.SubSequence) -> Int64? {
        guard !digits.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            value = (overflow1 || overflow2) ? Int64.max : sum
        }
        return value
    }
}
