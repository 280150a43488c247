import NIOHTTP1

/// The checks a request head must pass before any handler sees it, and the status each failure gets.
///
/// NIOHTTP1 has already rejected what it cannot parse; these are the rules it leaves to the server:
/// the version, the limits from the settings, `Host`, body framing and expectations.
enum RequestHeadCheck {
    /// What a well-formed head tells the connection about the body that follows.
    struct Verdict {
        /// The request carries a body (`Content-Length`, even 0, or `Transfer-Encoding`).
        var hasBody = false
        /// The declared body length, when `Content-Length` gave one.
        var contentLength: Int?
        /// The client sent `Expect: 100-continue`.
        var expectsContinue = false
    }

    /// The status a bad head is answered with (and the connection then closed), or the verdict for a good one.
    static func check(_ head: HTTPRequestHead, settings: HTTPSettings) -> Result<Verdict, RejectedHead> {
        guard head.version.major == 1, head.version.minor <= 1 else { return .failure(RejectedHead(505)) }
        guard head.uri.utf8.count <= settings.maxTokenLength else { return .failure(RejectedHead(414)) }
        guard head.headers.count <= settings.maxRequestHeaders else { return .failure(RejectedHead(431)) }

        var verdict = Verdict()
        var hostCount = 0
        var transferCodings: [Substring] = []
        var expectation: String?
        for (name, value) in head.headers {
            guard name.utf8.count <= settings.maxTokenLength, value.utf8.count <= settings.maxTokenLength else {
                return .failure(RejectedHead(431))
            }
            switch name.utf8.count {
            case 4 where ResponseHead.equalsIgnoringCase(name, "host"):
                hostCount += 1
            case 6 where ResponseHead.equalsIgnoringCase(name, "expect"):
                guard expectation == nil else { return .failure(RejectedHead(417)) }
                expectation = value
            case 14 where ResponseHead.equalsIgnoringCase(name, "content-length"):
                guard let length = parseContentLength(value), verdict.contentLength ?? length == length else {
                    return .failure(RejectedHead(400))
                }
                verdict.contentLength = length
            case 17 where ResponseHead.equalsIgnoringCase(name, "transfer-encoding"):
                transferCodings += value.split(separator: ",", omittingEmptySubsequences: false)
            default:
                break
            }
        }
        if head.version.minor == 1 {
            guard hostCount == 1 else { return .failure(RejectedHead(400)) }
        } else if hostCount > 1 {
            return .failure(RejectedHead(400))
        }
        let transferEncoding = !transferCodings.isEmpty
        if transferEncoding {
            // With a Content-Length beside it the framing is ambiguous (RFC 9112 §6.3: smuggling).
            guard verdict.contentLength == nil, head.version.minor == 1 else { return .failure(RejectedHead(400)) }
            if let status = transferCodingStatus(transferCodings) { return .failure(RejectedHead(status)) }
        }
        if let expectation {
            guard expectation.utf8.count == 12, ResponseHead.equalsIgnoringCase(expectation, "100-continue") else {
                return .failure(RejectedHead(417))
            }
            verdict.expectsContinue = head.version.minor == 1
        }
        verdict.hasBody = transferEncoding || verdict.contentLength != nil
        if let length = verdict.contentLength, length > settings.maxRequestBodyLength {
            return .failure(RejectedHead(413))
        }
        return .success(verdict)
    }

    /// The status for a `Transfer-Encoding` other than exactly `chunked`, or nil when it is that:
    /// 400 when `chunked` is missing, not last, or repeated (the body's end cannot be found); 501 for
    /// a coding before it that the server does not implement (`gzip, chunked`).
    static func transferCodingStatus(_ codings: [Substring]) -> Int? {
        let names = codings.map { $0.trimmingHTTPWhitespace() }
        guard let last = names.last, isChunked(last), names.filter(isChunked).count == 1 else { return 400 }
        return names.count == 1 ? nil : 501
    }

    private static func isChunked(_ coding: Substring) -> Bool {
        coding.utf8.count == 7 && ResponseHead.equalsIgnoringCase(String(coding), "chunked")
    }

    /// A `Content-Length` value: plain decimal digits only (no sign, spaces or hex), without overflow.
    static func parseContentLength(_ value: String) -> Int? {
        guard !value.isEmpty, value.utf8.count <= 18 else { return nil }
        var length = 0
        for byte in value.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            length = length * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return length
    }
}

/// A request head refused before routing, with the status the client gets.
struct RejectedHead: Error {
    /// 400, 413, 414, 417, 431 or 505.
    let status: Int

    init(_ status: Int) {
        self.status = status
    }
}

extension Substring {
    /// Without the spaces and tabs HTTP allows around list elements.
    func trimmingHTTPWhitespace() -> Substring {
        let isWhitespace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isWhitespace($0) }) else { return self[endIndex...] }
        let last = lastIndex(where: { !isWhitespace($0) })!
        return self[first...last]
    }
}
