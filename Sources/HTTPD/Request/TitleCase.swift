/// Title-cases header names as the reference does: `x-forwarded-for` → `X-Forwarded-For`.
enum TitleCase {
    /// The first letter and every letter after a non-letter upper case, every other letter lower case.
    static func apply(_ name: String) -> String {
        var bytes = Array(name.utf8)
        var upperNext = true
        for index in bytes.indices {
            let byte = bytes[index]
            let isLower = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")
            let isUpper = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")
            if isLower || isUpper {
                if upperNext, isLower { bytes[index] = byte - 32 }
                if !upperNext, isUpper { bytes[index] = byte + 32 }
                upperNext = false
            } else {
                upperNext = true
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
