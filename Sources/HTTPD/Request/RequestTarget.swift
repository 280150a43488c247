#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a request target into its path and query, the way the reference does.
enum RequestTarget {
    /// `/a?b=c` → (`/a`, `b=c`); `/a` → (`/a`, nil); `http://host:80/a?b` → (`/a`, `b`); `*` → (`*`, nil).
    static func split(_ target: String) -> (path: String, params: String?) {
        let slash = UInt8(ascii: "/")
        let question = UInt8(ascii: "?")
        // The common case, without a copy: an origin-form path with no query (one memchr over the
        // string's own bytes; a byte-wise `contains` cost ~30 instructions a byte).
        if target.utf8.first == slash, !contains(question, in: target) { return (target, nil) }
        var origin = Substring(target)
        if origin.utf8.first != slash, let scheme = schemeEnd(origin) {
            let authorityAndPath = origin[scheme...]
            if let slash = authorityAndPath.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                origin = authorityAndPath[slash...]
            } else {
                origin = "/"
            }
        }
        guard let question = origin.utf8.firstIndex(of: question) else {
            let path = origin.isEmpty ? "/" : String(origin)
            return (path, nil)
        }
        var path = String(origin[..<question])
        if path.isEmpty { path = "/" }
        return (path, String(origin[origin.index(after: question)...]))
    }

    /// Whether `text`'s UTF-8 has `byte`: one `memchr` over the string's storage (small strings too).
    static func contains(_ byte: UInt8, in text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.baseAddress.map { memchr($0, Int32(byte), bytes.count) != nil } ?? false
        } ?? text.utf8.contains(byte)
    }

    /// The authority of an absolute-form `http://` or `https://` target (scheme in any case), up to the
    /// first `/`, `?` or `#`: `http://a.example:8080/x` → `a.example:8080`. Nil for any other form
    /// (origin-form, `*`, authority-form) or scheme.
    static func authority(of target: String) -> Substring.UTF8View? {
        let utf8 = target.utf8
        var index = utf8.startIndex
        for expected in "http".utf8 {
            guard index != utf8.endIndex, utf8[index] | 0x20 == expected else { return nil }
            index = utf8.index(after: index)
        }
        if index != utf8.endIndex, utf8[index] | 0x20 == UInt8(ascii: "s") { index = utf8.index(after: index) }
        for expected in "://".utf8 {
            guard index != utf8.endIndex, utf8[index] == expected else { return nil }
            index = utf8.index(after: index)
        }
        let rest = utf8[index...]
        let end = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
        return rest[..<(end ?? rest.endIndex)]
    }

    /// Where the authority starts in an absolute-form target (after `scheme://`), or nil.
    private static func schemeEnd(_ target: Substring) -> Substring.Index? {
        let utf8 = target.utf8
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let rest = utf8[colon...]
        guard rest.starts(with: "://".utf8) else { return nil }
        return utf8.index(colon, offsetBy: 3)
    }
}
