import NIOHTTP1

extension ResponseHead {
    /// A response head for an HTTP/2 stream, as NIOHTTP2's codec takes it (it lower-cases the names
    /// and adds `:status`).
    ///
    /// The handler's headers are checked as over HTTP/1.1 (`invalidHeader` for a name that is not a
    /// token or a value with a control character). Left out: the handler's `Content-Length` (the
    /// server writes the one that matches the body), and the connection-specific fields RFC 9113
    /// §8.2.2 forbids (`Connection`, `Keep-Alive`, `Proxy-Connection`, `Transfer-Encoding`,
    /// `Upgrade`). Added: `Date` unless the handler gave one, and `Content-Length` for a body of known
    /// length.
    static func http2Head(
        status: Int, headers: [(name: String, value: String)], framing: BodyFraming, date: String
    ) throws(HTTPDError) -> HTTPResponseHead {
        var fields = HTTPHeaders()
        fields.reserveCapacity(headers.count + 2)
        var hasDate = false
        for (name, value) in headers {
            guard !name.isEmpty, name.utf8.allSatisfy(HeadWriter.isTokenByte), value.utf8.allSatisfy(HeadWriter.isFieldValueByte)
            else { throw .invalidHeader(name: name) }
            switch name.utf8.count {
            case 4 where equalsIgnoringCase(name, "date"):
                hasDate = true
            case 7 where equalsIgnoringCase(name, "upgrade"),
                10 where equalsIgnoringCase(name, "connection") || equalsIgnoringCase(name, "keep-alive"),
                14 where equalsIgnoringCase(name, "content-length"),
                16 where equalsIgnoringCase(name, "proxy-connection"),
                17 where equalsIgnoringCase(name, "transfer-encoding"):
                continue
            default:
                break
            }
            fields.add(name: name, value: value)
        }
        if !hasDate { fields.add(name: "date", value: date) }
        if case .length(let length) = framing { fields.add(name: "content-length", value: String(length)) }
        return HTTPResponseHead(version: HTTPVersion(major: 2, minor: 0), status: HTTPResponseStatus(statusCode: status), headers: fields)
    }
}
