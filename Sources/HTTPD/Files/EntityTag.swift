/// An entity tag (RFC 9110 §8.8.3): an opaque validator, strong or weak (`W/"…"`).
struct EntityTag: Equatable, Sendable, CustomStringConvertible {
    /// A weak tag (`W/` prefix): equal content, not necessarily equal bytes.
    var weak: Bool
    /// The characters between the quotes.
    var opaque: String

    /// The header form: `"1a2b-5f3c"` or `W/"1a2b-5f3c"`.
    var description: String { (weak ? "W/" : "") + "\"" + opaque + "\"" }

    /// The strong tag a file server gives a file: its size and modification time (nanoseconds) in hex,
    /// `"<size>-<mtime>"`. It changes whenever the file is rewritten or touched.
    static func forFile(_ status: FileStatus) -> EntityTag {
        let nanoseconds = status.modifiedSeconds &* 1_000_000_000 &+ status.modifiedNanoseconds
        return EntityTag(
            weak: false,
            opaque: String(UInt64(bitPattern: status.size), radix: 16) + "-"
                + String(UInt64(bitPattern: nanoseconds), radix: 16))
    }

    /// Strong comparison: both strong and the same opaque string (used by `If-Match` and `If-Range`).
    func strongMatch(_ other: EntityTag) -> Bool {
        !weak && !other.weak && opaque == other.opaque
    }

    /// Weak comparison: the same opaque string, weak or not (used by `If-None-Match`).
    func weakMatch(_ other: EntityTag) -> Bool {
        opaque == other.opaque
    }

    /// The condition an `If-Match` or `If-None-Match` field states.
    enum Condition: Equatable, Sendable {
        /// `*`: any current representation.
        case any
        /// A list of tags.
        case tags([EntityTag])
    }

    /// The condition in the combined values of an `If-Match` or `If-None-Match` field (several field
    /// lines are one comma-separated list); nil when it is malformed. Tags may contain commas, so the
    /// list is scanned, not split.
    static func parseCondition(_ values: [String]) -> Condition? {
        let text = values.joined(separator: ",")
        if text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "*" }) && text.contains("*") {
            return text.filter({ $0 == "*" }).count == 1 ? .any : nil
        }
        var tags: [EntityTag] = []
        var bytes = Substring(text).utf8[...]
        func skipSeparators() {
            while let byte = bytes.first, byte == 0x20 || byte == 0x09 || byte == UInt8(ascii: ",") {
                bytes = bytes.dropFirst()
            }
        }
        skipSeparators()
        while !bytes.isEmpty {
            var weak = false
            if bytes.starts(with: "W/".utf8) {
                weak = true
                bytes = bytes.dropFirst(2)
            }
            guard bytes.first == UInt8(ascii: "\"") else { return nil }
            bytes = bytes.dropFirst()
            guard let close = bytes.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
            let opaque = bytes[..<close]
            // etagc = %x21 / %x23-7E / obs-text
            guard opaque.allSatisfy({ $0 == 0x21 || $0 >= 0x23 && $0 != 0x7F }) else { return nil }
            tags.append(EntityTag(weak: weak, opaque: String(decoding: opaque, as: UTF8.self)))
            bytes = bytes[bytes.index(after: close)...]
            guard bytes.isEmpty || bytes.first == 0x20 || bytes.first == 0x09 || bytes.first == UInt8(ascii: ",") else {
                return nil
            }
            skipSeparators()
        }
        return tags.isEmpty ? nil : .tags(tags)
    }

    /// A single tag (the `If-Range` form), or nil when `text` is not exactly one tag.
    static func parseSingle(_ text: String) -> EntityTag? {
        guard case .tags(let tags) = parseCondition([text]), tags.count == 1 else { return nil }
        return tags[0]
    }
}
