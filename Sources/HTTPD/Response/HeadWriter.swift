/// Copies a response head into a buffer's writable memory in one pass, checking the handler's header
/// names and values as it goes.
struct HeadWriter {
    private let base: UnsafeMutableRawBufferPointer
    /// Bytes written so far.
    private(set) var written = 0

    /// Writes from the start of `base`, which must be large enough for everything written.
    init(_ base: UnsafeMutableRawBufferPointer) {
        self.base = base
    }

    /// Appends `bytes`.
    mutating func copy(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        (base.baseAddress! + written).copyMemory(from: source, byteCount: bytes.count)
        written += bytes.count
    }

    /// Appends a literal.
    mutating func copy(_ text: StaticString) {
        copy(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends `value` in decimal.
    mutating func decimal(_ value: Int) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 24 digits
        var remaining = UInt64(max(0, value))
        var count = 0
        withUnsafeMutableBytes(of: &digits) { scratch in
            repeat {
                scratch[23 - count] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
                count += 1
            } while remaining > 0
            copy(UnsafeBufferPointer(start: scratch.baseAddress!.assumingMemoryBound(to: UInt8.self) + 24 - count, count: count))
        }
    }

    /// Appends `name: value` unless the server writes that header itself (`Content-Length`,
    /// `Transfer-Encoding`, `Connection`), noting what the header asks of the connection.
    ///
    /// Returns false when the name is not a token or the value holds a control character other than
    /// tab (CR, LF and NUL included): nothing of the header is written then.
    mutating func header(
        _ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>, requests: inout ResponseHead.Requests
    ) -> Bool {
        guard !name.isEmpty, name.allSatisfy(Self.isTokenByte), value.allSatisfy(Self.isFieldValueByte) else {
            return false
        }
        switch name.count {
        case 4 where Self.equalsLowercase(name, "date"):
            requests.hasDate = true
        case 10 where Self.equalsLowercase(name, "connection"):
            if Self.containsLowercase(value, "close") { requests.close = true }
            return true
        case 14 where Self.equalsLowercase(name, "content-length"),
            17 where Self.equalsLowercase(name, "transfer-encoding"):
            return true
        default:
            break
        }
        copy(name)
        copy(": ")
        copy(value)
        copy("\r\n")
        return true
    }

    /// RFC 9110 token characters: letters, digits and `!#$%&'*+-.^_`|~`.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Field-value bytes: anything but control characters (tab allowed) and DEL.
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == 9 || (byte >= 32 && byte != 127)
    }

    /// ASCII case-insensitive equality with a lower-case literal of the same length.
    static func equalsLowercase(_ bytes: UnsafeBufferPointer<UInt8>, _ lower: StaticString) -> Bool {
        let other = UnsafeBufferPointer(start: lower.utf8Start, count: lower.utf8CodeUnitCount)
        guard bytes.count == other.count else { return false }
        for index in 0..<bytes.count where bytes[index] | 0x20 != other[index] | 0x20 {
            return false
        }
        return true
    }

    /// Whether `bytes` contain the lower-case literal `needle`, ignoring ASCII case.
    static func containsLowercase(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        for start in 0...(bytes.count - count)
        where equalsLowercase(UnsafeBufferPointer(rebasing: bytes[start..<start + count]), needle) {
            return true
        }
        return false
    }
}
