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
}

/// Encodes a response head (status line and headers) into bytes, checking the handler's headers.
enum ResponseHead {
    /// Whether a response with `status` may carry a body at all (RFC 9110: not 1xx, 204 or 304).
    static func allowsBody(_ status: Int) -> Bool {
        !(status < 200 || status == 204 || status == 304)
    }

    /// What the handler's headers ask of the connection, found while encoding them.
    struct Requests {
        /// The handler sent `Connection: close`.
        var close = false
        /// The handler sent its own `Date`.
        var hasDate = false
    }

    /// Checks the handler's headers and finds what they ask of the connection.
    ///
    /// Throws `invalidHeader` when a name is not a token or a value holds CR, LF, NUL or another
    /// control character: such a header is never sent.
    static func inspect(_ headers: [(name: String, value: String)]) throws(HTTPDError) -> Requests {
        var requests = Requests()
        for (name, value) in headers {
            guard isToken(name), isFieldValue(value) else { throw .invalidHeader(name: name) }
            if name.utf8.count == 4, equalsIgnoringCase(name, "date") {
                requests.hasDate = true
            } else if name.utf8.count == 10, equalsIgnoringCase(name, "connection") {
                requests.close = value.lowercased().contains("close")
            }
        }
        return requests
    }

    /// Appends the status line, the handler's `headers` (already inspected), then `Date`, framing and
    /// `Connection` headers.
    ///
    /// The handler's own `Content-Length`, `Transfer-Encoding` and `Connection` headers are replaced by
    /// the ones that match how the body is really sent.
    static func encode(
        status: Int,
        headers: [(name: String, value: String)],
        requests: Requests,
        framing: BodyFraming,
        connection: ConnectionHeader,
        date: String,
        into buffer: inout ByteBuffer
    ) {
        buffer.writeString(StatusReason.statusLine(status))
        for (name, value) in headers where !isFramingOrConnection(name) {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        if !requests.hasDate {
            buffer.writeStaticString("Date: ")
            buffer.writeString(date)
            buffer.writeStaticString("\r\n")
        }
        switch framing {
        case .length(let length):
            buffer.writeStaticString("Content-Length: ")
            buffer.writeString(String(length))
            buffer.writeStaticString("\r\n")
        case .chunked:
            buffer.writeStaticString("Transfer-Encoding: chunked\r\n")
        case .untilClose, .none:
            break
        }
        switch connection {
        case .close: buffer.writeStaticString("Connection: close\r\n")
        case .keepAlive: buffer.writeStaticString("Connection: keep-alive\r\n")
        case .omitted: break
        }
        buffer.writeStaticString("\r\n")
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

    private static func isFramingOrConnection(_ name: String) -> Bool {
        switch name.utf8.count {
        case 10: return equalsIgnoringCase(name, "connection")
        case 14: return equalsIgnoringCase(name, "content-length")
        case 17: return equalsIgnoringCase(name, "transfer-encoding")
        default: return false
        }
    }

    /// ASCII case-insensitive equality with a lower-case `other`.
    static func equalsIgnoringCase(_ name: String, _ other: StaticString) -> Bool {
        let lower = UnsafeBufferPointer(start: other.utf8Start, count: other.utf8CodeUnitCount)
        guard name.utf8.count == lower.count else { return false }
        return zip(name.utf8, lower).allSatisfy { a, b in a == b || (a >= 65 && a <= 90 && a + 32 == b) }
    }

    /// RFC 9110 token: one or more of `!#$%&'*+-.^_`|~`, digits and letters.
    static func isToken(_ name: String) -> Bool {
        guard !name.isEmpty else { return false }
        return name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
                UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
                return true
            default:
                return false
            }
        }
    }

    /// A field value: no control characters but horizontal tab (so no CR, LF or NUL), no DEL.
    static func isFieldValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { byte in byte == 9 || (byte >= 32 && byte != 127) }
    }
}
