/// Decodes `application/x-www-form-urlencoded` text: query strings and form bodies.
public enum QueryDecoder {
    /// The name/value pairs of `text`, split at `&` and `=`, with `+` as space and `%XX` decoded.
    /// A pair without `=` has an empty value; empty pairs are skipped.
    public static func pairs(_ text: String) -> [(name: String, value: String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return (decode(pair[..<equals]), decode(pair[pair.index(after: equals)...]))
            }
            return (decode(pair), "")
        }
    }

    /// `text` with `+` as space and each valid `%XX` decoded; invalid escapes stay as they are,
    /// and bytes that are not UTF-8 become U+FFFD.
    public static func decode<Text: StringProtocol>(_ text: Text) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                if iterator.count >= 2,
                    let high = PercentEncoding.hexValue(iterator[iterator.startIndex]),
                    let low = PercentEncoding.hexValue(iterator[iterator.startIndex + 1])
                {
                    bytes.append(high << 4 | low)
                    iterator = iterator.dropFirst(2)
                } else {
                    bytes.append(byte)
                }
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
