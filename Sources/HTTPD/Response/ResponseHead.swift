import NIOCore

/// How a response body is delimited on the wire.
enum BodyFraming {
    /// `Content-Length: n`.
    case length(Int)
    /// `Transfer-Encoding: chunked`.
    case chunked
    /// Neither: the body ends when the connection closes (a streamed answer to an HTTP/1.0 client).
    case untilClose
    /// No body and no length header (1xx, 204, 304).
    case none
    /// HTTP/2: DATA frames, the last one flagged END_STREAM (no length header, no chunk framing).
    case streamEnd
}

/// Encodes a response head (status line and headers) into bytes, checking the handler's headers.
enum ResponseHead {
    /// Whether a response with `status` may carry a body at all (RFC 9110: not 1xx, 204 or 304).
    static func allowsBody(_ status: Int) -> Bool {
        !(status < 200 || status == 204 || status == 304)
    }

    /// What the handler's headers ask of the server, found while they are copied into the head: to close
    /// the connection after the response (its `Connection: close`), and to keep its own `Date` (so the
    /// server writes none).
    struct Requests {
        /// The handler sent `Connection: close`.
        var close = false
        /// The handler sent its own `Date`.
        var hasDate = false
    }

    /// Appends the status line and the handler's `headers`, checking each header as it is copied.
    ///
    /// Throws `invalidHeader` when a name is not a token or a value holds CR, LF, NUL or another
    /// control character; the buffer is then to be dropped, so such a header is never sent. The
    /// handler's own `Content-Length`, `Transfer-Encoding` and `Connection` are left out: the server
    /// writes the ones that match how the body is really sent (`appendClosingHeaders`).
    static func appendStatusAndHeaders(
        status: Int, headers: [(name: String, value: String)], into buffer: inout ByteBuffer
    ) throws(HTTPDError) -> Requests {
        var statusLine = StatusReason.statusLine(status)
        var size = statusLine.utf8.count
        for (name, value) in headers { size += name.utf8.count + value.utf8.count + 4 }
        var requests = Requests()
        var invalid: String?
        _ = statusLine.withUTF8 { line in
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
                var out = HeadWriter(raw)
                out.copy(line)
                for (name, value) in headers {
                    var name = name
                    var value = value
                    let valid = name.withUTF8 { nameBytes in
                        value.withUTF8 { valueBytes in
                            out.header(nameBytes, valueBytes, requests: &requests)
                        }
                    }
                    guard valid else {
                        invalid = name
                        return 0
                    }
                }
                return out.written
            }
        }
        if let invalid { throw .invalidHeader(name: invalid) }
        return requests
    }

    /// Appends `Date` (unless the handler gave one), the framing header, `Connection`, and the blank line.
    static func appendClosingHeaders(
        requests: Requests, framing: BodyFraming, connection: ConnectionHeader, date: String, into buffer: inout ByteBuffer
    ) {
        var date = date
        _ = date.withUTF8 { dateBytes in
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 128 + dateBytes.count) { raw in
                var out = HeadWriter(raw)
                if !requests.hasDate {
                    out.copy("Date: ")
                    out.copy(dateBytes)
                    out.copy("\r\n")
                }
                switch framing {
                case .length(let length):
                    out.copy("Content-Length: ")
                    out.decimal(length)
                    out.copy("\r\n")
                case .chunked:
                    out.copy("Transfer-Encoding: chunked\r\n")
                case .untilClose, .none, .streamEnd:
                    break
                }
                switch connection {
                case .close: out.copy("Connection: close\r\n")
                case .keepAlive: out.copy("Connection: keep-alive\r\n")
                case .omitted: break
                }
                out.copy("\r\n")
                return out.written
            }
        }
    }

    /// Which `Connection` header a response carries.
    enum ConnectionHeader {
        /// `Connection: close`: the connection closes after this response.
        case close
        /// `Connection: keep-alive`: an HTTP/1.0 client asked to keep the connection.
        case keepAlive
        /// None: HTTP/1.1's default, keep-alive.
        case omitted
    }

    /// ASCII case-insensitive equality with a lower-case `other`.
    static func equalsIgnoringCase(_ name: String, _ other: StaticString) -> Bool {
        let lower = UnsafeBufferPointer(start: other.utf8Start, count: other.utf8CodeUnitCount)
        guard name.utf8.count == lower.count else { return false }
        let matches = { (a: UInt8, b: UInt8) in a == b || (a >= 65 && a <= 90 && a + 32 == b) }
        // Over the string's own bytes where it has them (every native string, small ones included):
        // this runs for several header names of every request.
        if let equal = name.utf8.withContiguousStorageIfAvailable({ bytes in
            for index in 0..<bytes.count where !matches(bytes[index], lower[index]) { return false }
            return true
        }) {
            return equal
        }
        return zip(name.utf8, lower).allSatisfy(matches)
    }

    /// Whether `name` is an RFC 9110 token (a valid header name).
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(HeadWriter.isTokenByte)
    }

}
