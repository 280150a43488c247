/// Percent-decoding of path segments (`%20` → space; `+` stays `+`, as in paths it is not a space).
enum PercentDecoding {
    /// `segment` decoded, or nil when it holds a `%` not followed by two hex digits or decodes to bytes
    /// that are not UTF-8.
    static func decode(_ segment: UnsafeBufferPointer<UInt8>) -> String? {
        guard segment.contains(UInt8(ascii: "%")) else { return String(validating: segment, as: UTF8.self) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(segment.count)
        var index = 0
        while index < segment.count {
            let byte = segment[index]
            index += 1
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard index + 1 < segment.count, let high = hexValue(segment[index]), let low = hexValue(segment[index + 1]) else {
                return nil
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The rest of a path (`a/b%20c/d`), each segment decoded on its own, joined by `/` again.
    static func decodeRest(_ rest: UnsafeBufferPointer<UInt8>) -> String? {
        var parts: [String] = []
        for part in rest.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            guard let text = decode(UnsafeBufferPointer(rebasing: part)) else { return nil }
            parts.append(text)
        }
        return parts.joined(separator: "/")
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
