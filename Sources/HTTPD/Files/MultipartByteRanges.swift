/// The framing of a `multipart/byteranges` body (RFC 9110 §14.6): one part per range, each with its
/// own `Content-Type` and `Content-Range`, between boundary lines.
struct MultipartByteRanges: Sendable {
    /// The boundary string, random per response so it cannot collide with file content by design.
    var boundary: String
    /// The file's media type, repeated in every part.
    var contentType: String
    /// The ranges, disjoint and in ascending order.
    var ranges: [ByteRange]
    /// The file's length.
    var length: Int64

    /// The framing for `ranges` of a file of `length` bytes whose type is `contentType`, with a fresh boundary.
    init(ranges: [ByteRange], length: Int64, contentType: String, boundary: String = Self.makeBoundary()) {
        self.ranges = ranges
        self.length = length
        self.contentType = contentType
        self.boundary = boundary
    }

    /// A random 24-character boundary.
    static func makeBoundary() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = String(generator.next() as UInt64, radix: 16)
        let low = String(generator.next() as UInt32, radix: 16)
        return "httpd-" + String(repeating: "0", count: 16 - high.count) + high + String(repeating: "0", count: 8 - low.count) + low
    }

    /// The response's `Content-Type`: `multipart/byteranges; boundary=…`.
    var responseContentType: String { "multipart/byteranges; boundary=\(boundary)" }

    /// The bytes before part `index`'s data: the boundary line and the part's header fields.
    func partHead(_ index: Int) -> [UInt8] {
        let lead = index == 0 ? "" : "\r\n"
        return Array(
            "\(lead)--\(boundary)\r\nContent-Type: \(contentType)\r\nContent-Range: \(ranges[index].contentRange(length: length))\r\n\r\n"
                .utf8)
    }

    /// The closing boundary line.
    var trailer: [UInt8] { Array("\r\n--\(boundary)--\r\n".utf8) }

    /// The length of the whole body: the framing plus the bytes of every range.
    var bodyLength: Int64 {
        var total = Int64(trailer.count)
        for index in ranges.indices {
            total += Int64(partHead(index).count) + ranges[index].count
        }
        return total
    }

    /// The framing would make the response larger than the file itself (many small ranges): the
    /// file server then sends the whole file instead, so no range set can amplify a response.
    var isLargerThanFile: Bool { bodyLength > length }
}
