import NIOHTTP1

/// The status a request gets when NIOHTTP1 could not parse its head.
enum ParseErrorStatus {
    /// The status for `error`, given what the traffic meter saw of the first line: 414 for an
    /// over-long request line, 505 for a well-formed but unsupported version, else 400.
    static func status(for error: any Error, firstLineLength: Int, firstLineTail: [UInt8], maxTokenLength: Int) -> Int {
        guard let error = error as? HTTPParserError else { return 400 }
        switch error {
        case .headerOverflow: return firstLineLength > maxTokenLength ? 414 : 431
        case .invalidVersion: return endsWithVersion(firstLineTail) ? 505 : 400
        default: return 400
        }
    }

    /// Whether a request line ends in a well-formed `HTTP/d.d` (then an unsupported version is 505;
    /// anything else there is a malformed line, 400).
    static func endsWithVersion(_ tail: [UInt8]) -> Bool {
        var line = tail[...]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard line.count >= 9 else { return false }
        let version = Array(line.suffix(9))
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        return version[0] == UInt8(ascii: " ") && version[1...5].elementsEqual("HTTP/".utf8) && isDigit(version[6])
            && version[7] == UInt8(ascii: ".") && isDigit(version[8])
    }
}
