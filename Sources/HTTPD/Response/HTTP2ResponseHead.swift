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
            switch name.lowercased() {
            case "content-length", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
                continue
            case "date":
                hasDate = true
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
