#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOHTTP1

/// The checks a request head must pass before any handler sees it, and the status each failure gets.
///
/// NIOHTTP1 has already rejected what it cannot parse; these are the rules it leaves to the server:
/// the version, the limits from the settings, the request target's form, `Host`, body framing and
/// expectations. Field values are read without the whitespace around them (RFC 9112 §5: OWS before and
/// after a value is not part of it; NIOHTTP1 drops only the leading).
enum RequestHeadCheck {
    /// What a well-formed head tells the connection about the body that follows.
    struct Verdict {
        /// The request carries a body (`Content-Length`, even 0, or `Transfer-Encoding`).
        var hasBody = false
        /// The declared body length, when `Content-Length` gave one.
        var contentLength: Int?
        /// The client sent `Expect: 100-continue`.
        var expectsContinue = false
        /// A field value ends in spaces or tabs, which are not part of it (RFC 9112 §5).
        var fieldsNeedTrimming = false
        /// A field is `Upgrade` (see `HTTPRequest.asksToUpgrade`).
        var asksToUpgrade = false
    }

    /// The status a bad head is answered with (and the connection then closed), or the verdict for a good one.
    ///
    /// `overHTTP2`: the head came from an HTTP/2 stream (NIOHTTP2's codec made it from the pseudo-headers:
    /// version 2.0, `:authority` as `Host`, and for a body of unknown length a `Transfer-Encoding: chunked`
    /// of its own, which stands for DATA frames rather than chunks).
    static func check(_ head: HTTPRequestHead, settings: HTTPSettings, overHTTP2: Bool = false) -> Result<Verdict, RejectedHead> {
        guard head.version.major == 1 ? head.version.minor <= 1 : overHTTP2 else { return .failure(RejectedHead(505)) }
        guard head.uri.utf8.count <= settings.maxTokenLength else { return .failure(RejectedHead(414)) }
        guard head.headers.count <= settings.maxRequestHeaders else { return .failure(RejectedHead(431)) }
        if let status = targetStatus(head.uri, method: head.method) { return .failure(RejectedHead(status)) }

        var verdict = Verdict()
        var hostCount = 0
        var transferCodings: [Substring] = []
        var expectation: String?
        for (name, value) in head.headers {
            guard name.utf8.count <= settings.maxTokenLength, value.utf8.count <= settings.maxTokenLength else {
                return .failure(RejectedHead(431))
            }
            if endsInWhitespace(value) { verdict.fieldsNeedTrimming = true }
            switch name.utf8.count {
            case 7 where ResponseHead.equalsIgnoringCase(name, "upgrade"):
                verdict.asksToUpgrade = true
            case 4 where ResponseHead.equalsIgnoringCase(name, "host"):
                hostCount += 1
                guard isHostValue(value) else { return .failure(RejectedHead(400)) }
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
            guard verdict.contentLength == nil, head.version.minor == 1 || overHTTP2 else { return .failure(RejectedHead(400)) }
            if let status = transferCodingStatus(transferCodings) { return .failure(RejectedHead(status)) }
        }
        if let expectation {
            guard isContinueList(expectation) else {
                return .failure(RejectedHead(417))
            }
            verdict.expectsContinue = head.version.minor == 1 || overHTTP2
        }
        verdict.hasBody = transferEncoding || verdict.contentLength != nil
        // A declared length over the limit gets 413 when the handler starts reading (before anything
        // of the body is read): the handler may raise its request's limit first.
        return .success(verdict)
    }

    /// Whether a field value ends in a space or tab.
    static func endsInWhitespace(_ value: String) -> Bool {
        let last = value.utf8.last
        return last == UInt8(ascii: " ") || last == UInt8(ascii: "\t")
    }

    /// The status for a `Transfer-Encoding` other than exactly `chunked`, or nil when it is that:
    /// 400 when `chunked` is missing, not last, or repeated (the body's end cannot be found); 501 for
    /// a coding before it that the server does not implement (`gzip, chunked`).
    ///
    /// Empty list elements (`, chunked`, `chunked,`) are ignored, as RFC 9110 §5.6.1 requires; a value
    /// with no element at all is not `chunked`.
    static func transferCodingStatus(_ codings: [Substring]) -> Int? {
        let names = codings.map { $0.trimmingHTTPWhitespace() }.filter { !$0.isEmpty }
        guard let last = names.last, isChunked(last), names.filter(isChunked).count == 1 else { return 400 }
        return names.count == 1 ? nil : 501
    }

    private static func isChunked(_ coding: Substring) -> Bool {
        coding.utf8.count == 7 && ResponseHead.equalsIgnoringCase(String(coding), "chunked")
    }

    /// The status for a request target that does not fit its method (RFC 9112 §3.2), or nil when it fits.
    ///
    /// `CONNECT` (authority-form, a tunnel this server does not open): 501. Otherwise the target must be
    /// origin-form (`/path?query`), `*` for `OPTIONS` only, or absolute-form `http://authority/path` or
    /// `https://…` with a valid, non-empty host and no userinfo (RFC 9110 §4.2.1, §4.2.4); a fragment
    /// (`#`) is never part of a target (RFC 9112 §3.2). Anything else: 400. Byte-wise, one pass.
    static func targetStatus(_ target: String, method: HTTPMethod) -> Int? {
        if method == .CONNECT { return 501 }
        let utf8 = target.utf8
        guard let first = utf8.first else { return 400 }
        if first == UInt8(ascii: "/") {
            // Origin-form, the usual case: one memchr over the string's own bytes.
            let hasFragment =
                utf8.withContiguousStorageIfAvailable { memchr($0.baseAddress!, Int32(UInt8(ascii: "#")), $0.count) != nil }
                ?? utf8.contains(UInt8(ascii: "#"))
            return hasFragment ? 400 : nil
        }
        if first == UInt8(ascii: "*"), utf8.count == 1 { return method == .OPTIONS ? nil : 400 }
        guard let authority = RequestTarget.authority(of: target), !utf8.contains(UInt8(ascii: "#")),
            hasValidHost(authority)
        else { return 400 }
        return nil
    }

    /// Whether a `Host` value (or a target's authority) is `uri-host [ ":" port ]` (RFC 9112 §3.2,
    /// RFC 3986 §3.2.2), trailing whitespace aside. Empty is valid: it is what a client sends for a
    /// target with no authority. Runs on every request: byte-wise over the string's own storage.
    static func isHostValue(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            var end = bytes.count
            while end > 0, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") { end -= 1 }
            return hostLength(UnsafeBufferPointer(rebasing: bytes[..<end])) != nil
        }
    }

    /// Whether an absolute-form target's authority has a valid, non-empty host.
    private static func hasValidHost(_ authority: Substring.UTF8View) -> Bool {
        Array(authority).withUnsafeBufferPointer { (hostLength($0) ?? 0) > 0 }
    }

    /// The length of the host in `uri-host [ ":" port ]`, or nil when `bytes` is not that: an IP literal
    /// in brackets (IPv6 or IPvFuture), or a reg-name / IPv4 address (unreserved, sub-delims, `%` and two
    /// hex digits), then optionally `:` and decimal digits.
    private static func hostLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")),
                isIPLiteral(String(decoding: UnsafeBufferPointer(rebasing: bytes[1..<close]), as: UTF8.self)[...].utf8)
            else { return nil }
            index = close + 1
        } else {
            while index < bytes.count, bytes[index] != UInt8(ascii: ":") {
                let byte = bytes[index]
                if byte == UInt8(ascii: "%") {
                    guard index + 2 < bytes.count, isHexDigit(bytes[index + 1]), isHexDigit(bytes[index + 2]) else { return nil }
                    index += 3
                    continue
                }
                guard isUnreserved(byte) || isSubDelim(byte) else { return nil }
                index += 1
            }
        }
        let host = index
        guard index < bytes.count else { return host }
        guard bytes[index] == UInt8(ascii: ":") else { return nil }
        for byte in bytes[(index + 1)...] where byte < UInt8(ascii: "0") || byte > UInt8(ascii: "9") { return nil }
        return host
    }

    /// What may stand between `[` and `]`: an IPv6 address (hex digits, `:` and `.` for an embedded IPv4
    /// address, at least one `:`) or an IPvFuture (`v`, hex digits, `.`, then unreserved, sub-delims, `:`).
    private static func isIPLiteral(_ literal: Substring.UTF8View) -> Bool {
        guard let first = literal.first else { return false }
        if first == UInt8(ascii: "v") || first == UInt8(ascii: "V") {
            let rest = literal.dropFirst()
            guard let dot = rest.firstIndex(of: UInt8(ascii: ".")), dot != rest.startIndex,
                rest[..<dot].allSatisfy(isHexDigit)
            else { return false }
            let tail = rest[rest.index(after: dot)...]
            return !tail.isEmpty && tail.allSatisfy { isUnreserved($0) || isSubDelim($0) || $0 == UInt8(ascii: ":") }
        }
        return literal.contains(UInt8(ascii: ":"))
            && literal.allSatisfy { isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }
    }

    /// RFC 3986 `unreserved`: letters, digits, `-`, `.`, `_`, `~`.
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// RFC 3986 `sub-delims`: `!$&'()*+,;=`.
    private static func isSubDelim(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    /// RFC 5234 `HEXDIG`, in either case.
    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"):
            return true
        default:
            return false
        }
    }

    /// Whether an `Expect` value is exactly one `100-continue`, ignoring the whitespace around it and
    /// empty list elements (`100-continue,`: RFC 9110 §5.6.1).
    private static func isContinueList(_ value: String) -> Bool {
        var found = false
        for element in value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            let trimmed = element.trimmingTrailingWhitespace()
            let start = trimmed.firstIndex { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") } ?? trimmed.endIndex
            let member = trimmed[start...]
            if member.isEmpty { continue }
            guard !found, isContinue(member) else { return false }
            found = true
        }
        return found
    }

    /// Whether an `Expect` value (its trailing whitespace already cut) is `100-continue`, in any case.
    private static func isContinue(_ value: Substring.UTF8View) -> Bool {
        value.count == 12 && zip(value, "100-continue".utf8).allSatisfy { a, b in a == b || (a >= 65 && a <= 90 && a + 32 == b) }
    }

    /// A `Content-Length` value: plain decimal digits only (no sign, inner spaces or hex), without
    /// overflow; the whitespace after it is not part of it.
    static func parseContentLength(_ value: String) -> Int? {
        let digits = value.utf8.trimmingTrailingWhitespace()
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var length = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            length = length * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return length
    }
}

/// A request head refused before routing, with the status the client gets.
struct RejectedHead: Error {
    /// 400, 414, 417, 431, 501 or 505.
    let status: Int

    init(_ status: Int) {
        self.status = status
    }
}

extension Substring.UTF8View {
    /// Without the spaces and tabs at the end (a field value's trailing OWS, RFC 9112 §5).
    func trimmingTrailingWhitespace() -> Substring.UTF8View {
        var end = endIndex
        while end != startIndex {
            let before = index(before: end)
            guard self[before] == UInt8(ascii: " ") || self[before] == UInt8(ascii: "\t") else { break }
            end = before
        }
        return self[startIndex..<end]
    }
}

extension String.UTF8View {
    /// Without the spaces and tabs at the end (a field value's trailing OWS, RFC 9112 §5).
    func trimmingTrailingWhitespace() -> Substring.UTF8View {
        self[...].trimmingTrailingWhitespace()
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
