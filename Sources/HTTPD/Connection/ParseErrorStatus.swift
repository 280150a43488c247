import NIOHTTP1

/// The status a request gets when NIOHTTP1 could not parse its head.
enum ParseErrorStatus {
    /// The status for `error`, given what the traffic meter saw of the first line: 414 for an
    /// over-long request line, 505 for a well-formed but unsupported version, else 400 (a request line
    /// ended by a bare LF included: RFC 9112 §2.2 lets a server refuse it, and its version is fine).
    static func status(for error: any Error, firstLineLength: Int, firstLineTail: [UInt8], maxTokenLength: Int) -> Int {
        guard let error = error as? HTTPParserError else { return 400 }
        switch error {
        case .headerOverflow: return firstLineLength > maxTokenLength ? 414 : 431
        case .invalidVersion: return endsWithVersion(firstLineTail) ? 505 : 400
        default: return 400
        }
    }

    /// Whether a request line refused for its version ends in a well-formed `HTTP/d.d` that the parser
    /// refused as a version (then 505; anything else there is a malformed line, 400).
    ///
    /// NIOHTTP1's parser refuses a version other than 0.9, 1.0, 1.1 and 2.0 as soon as its last digit
    /// arrives; 0.9 and 2.0 (outside HTTP/2's preface) when the line ends. It reports a bad line end
    /// (a bare LF, or CR without LF) as a version error too: a line with 1.0 or 1.1, or with 0.9 or 2.0
    /// and no CR at its end, was refused for its line end, not its version.
    static func endsWithVersion(_ tail: [UInt8]) -> Bool {
        var line = tail[...]
        let endsWithCR = line.last == UInt8(ascii: "\r")
        if endsWithCR { line = line.dropLast() }
        guard line.count >= 9 else { return false }
        let version = Array(line.suffix(9))
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        guard version[0] == UInt8(ascii: " "), version[1...5].elementsEqual("HTTP/".utf8), isDigit(version[6]),
            version[7] == UInt8(ascii: "."), isDigit(version[8])
        else { return false }
        switch (version[6], version[8]) {
        case (UInt8(ascii: "1"), UInt8(ascii: "0")), (UInt8(ascii: "1"), UInt8(ascii: "1")):
            return false
        case (UInt8(ascii: "0"), UInt8(ascii: "9")), (UInt8(ascii: "2"), UInt8(ascii: "0")):
            return endsWithCR
        default:
            return true
        }
    }
}
