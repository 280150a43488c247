import Testing

@testable import HTTPD

/// The file server's pure pieces, without a socket.
@Suite("File server: parsing and formatting")
struct FileServerPartsTests {
    @Test("Range parsing and resolution")
    func ranges() {
        func r(_ first: Int64, _ last: Int64) -> ByteRange { ByteRange(first: first, last: last) }
        #expect(ByteRanges.evaluate(nil, length: 100) == .whole)
        #expect(ByteRanges.evaluate("bytes=0-9", length: 100) == .single(r(0, 9)))
        #expect(ByteRanges.evaluate("bytes=-5", length: 100) == .single(r(95, 99)))
        #expect(ByteRanges.evaluate("bytes=95-", length: 100) == .single(r(95, 99)))
        #expect(ByteRanges.evaluate("bytes=0-0,2-3,1-1", length: 100) == .single(r(0, 3)))
        #expect(ByteRanges.evaluate("bytes=50-59, 0-9", length: 100) == .multiple([r(0, 9), r(50, 59)]))
        #expect(ByteRanges.evaluate("bytes=0-1,,4-5", length: 100) == .multiple([r(0, 1), r(4, 5)]))
        #expect(ByteRanges.evaluate("bytes=100-", length: 100) == .unsatisfiable)
        #expect(ByteRanges.evaluate("bytes=-0", length: 100) == .unsatisfiable)
        #expect(ByteRanges.evaluate("bytes=0-0", length: 0) == .unsatisfiable)
        #expect(ByteRanges.evaluate("bytes=-5", length: 0) == .unsatisfiable)
        #expect(ByteRanges.evaluate("bytes=200-300,0-4", length: 100) == .single(r(0, 4)))
        #expect(ByteRanges.evaluate("bytes=9-5", length: 100) == .whole)
        #expect(ByteRanges.evaluate("bytes=a-b", length: 100) == .whole)
        #expect(ByteRanges.evaluate("bytes=+1-2", length: 100) == .whole)
        #expect(ByteRanges.evaluate("pages=0-1", length: 100) == .whole)
        #expect(ByteRanges.evaluate("bytes=", length: 100) == .whole)
        let seventeen = (0..<17).map { "\($0 * 2)-\($0 * 2)" }.joined(separator: ",")
        #expect(ByteRanges.evaluate("bytes=" + seventeen, length: 100) == .whole)
        let sixteen = (0..<16).map { "\($0 * 2)-\($0 * 2)" }.joined(separator: ",")
        guard case .multiple(let list) = ByteRanges.evaluate("bytes=" + sixteen, length: 100) else {
            Issue.record("16 ranges are allowed")
            return
        }
        #expect(list.count == 16)
        #expect(ByteRanges.evaluate("bytes=0-99999999999999999999999999", length: 100) == .single(r(0, 99)))
        #expect(ByteRanges.evaluate("bytes=99999999999999999999999999-", length: 100) == .unsatisfiable)
    }

    @Test("multipart framing: exact length, and the larger-than-the-file rule")
    func multipart() {
        let framing = MultipartByteRanges(
            ranges: [ByteRange(first: 0, last: 9), ByteRange(first: 50, last: 59)], length: 1000,
            contentType: "text/plain; charset=utf-8", boundary: "B")
        let expected =
            "--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-9/1000\r\n\r\n" + "0123456789"
            + "\r\n--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 50-59/1000\r\n\r\n" + "0123456789"
            + "\r\n--B--\r\n"
        #expect(framing.bodyLength == Int64(expected.utf8.count))
        #expect(framing.partHead(0) == Array("--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-9/1000\r\n\r\n".utf8))
        #expect(!framing.isLargerThanFile)
        let small = MultipartByteRanges(
            ranges: [ByteRange(first: 0, last: 0), ByteRange(first: 5, last: 5)], length: 100, contentType: "x/y")
        #expect(small.isLargerThanFile)
        #expect(MultipartByteRanges.makeBoundary() != MultipartByteRanges.makeBoundary())
    }

    @Test("HTTP dates: the three formats parse, IMF-fixdate round-trips, garbage does not")
    func dates() {
        let expected: Int64 = 784_111_777
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == expected)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == expected)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == expected)
        #expect(HTTPDate.format(expected) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.parse(HTTPDate.format(1_700_000_000)) == 1_700_000_000)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 PST") == nil)
        #expect(HTTPDate.parse("Sun, 32 Nov 1994 08:49:37 GMT") == nil)
        #expect(HTTPDate.parse("Sun, 06 Foo 1994 08:49:37 GMT") == nil)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 25:49:37 GMT") == nil)
        #expect(HTTPDate.parse("") == nil)
        #expect(HTTPDate.parse("1994-11-06") == nil)
        #expect(HTTPDate.parse("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(HTTPDate.parse("Tue, 29 Feb 2000 12:00:00 GMT") == 951_825_600)
    }

    @Test("entity tags: lists with commas inside tags, weak tags, *, malformed")
    func entityTags() {
        #expect(
            EntityTag.parseCondition(["W/\"a,b\", \"c\"", "\"d\""])
                == .tags([EntityTag(weak: true, opaque: "a,b"), EntityTag(weak: false, opaque: "c"), EntityTag(weak: false, opaque: "d")]))
        #expect(EntityTag.parseCondition(["*"]) == .any)
        #expect(EntityTag.parseCondition([" * "]) == .any)
        #expect(EntityTag.parseCondition(["abc"]) == nil)
        #expect(EntityTag.parseCondition(["\"unterminated"]) == nil)
        #expect(EntityTag.parseCondition(["\"a\"\"b\""]) == nil)
        #expect(EntityTag.parseCondition(["*, \"a\""]) == nil)
        let strong = EntityTag(weak: false, opaque: "x")
        let weak = EntityTag(weak: true, opaque: "x")
        #expect(strong.strongMatch(strong))
        #expect(!weak.strongMatch(strong))
        #expect(weak.weakMatch(strong))
        #expect(weak.description == "W/\"x\"")
        let tag = EntityTag.forFile(FileStatus(kind: .regular, size: 255, modifiedSeconds: 1, modifiedNanoseconds: 5))
        #expect(tag.description == "\"ff-3b9aca05\"")
    }

    @Test("conditional request precedence (RFC 9110 §13.2.2)")
    func conditionals() {
        let validators = Validators(etag: EntityTag(weak: false, opaque: "v1"), lastModified: 1000)
        func check(_ fields: [String: String], method: String = "GET") -> ConditionalOutcome {
            ConditionalRequest.evaluate(method: method, values: { fields[$0].map { [$0] } ?? [] }, validators: validators)
        }
        let old = HTTPDate.format(500)
        let same = HTTPDate.format(1000)
        let new = HTTPDate.format(2000)
        #expect(check([:]) == .proceed(honourRange: true))
        #expect(check(["If-None-Match": "\"v1\""]) == .notModified)
        #expect(check(["If-None-Match": "\"v1\""], method: "POST") == .preconditionFailed)
        #expect(check(["If-None-Match": "\"v2\"", "If-Modified-Since": new]) == .proceed(honourRange: true))
        #expect(check(["If-Modified-Since": same]) == .notModified)
        #expect(check(["If-Modified-Since": old]) == .proceed(honourRange: true))
        #expect(check(["If-Modified-Since": new], method: "POST") == .proceed(honourRange: true))
        #expect(check(["If-Match": "\"v2\"", "If-None-Match": "\"v1\""]) == .preconditionFailed)
        #expect(check(["If-Match": "\"v1\"", "If-Unmodified-Since": old]) == .proceed(honourRange: true))
        #expect(check(["If-Unmodified-Since": old]) == .preconditionFailed)
        #expect(check(["If-Unmodified-Since": "garbage"]) == .proceed(honourRange: true))
        #expect(check(["Range": "bytes=0-1", "If-Range": "\"v1\""]) == .proceed(honourRange: true))
        #expect(check(["Range": "bytes=0-1", "If-Range": "W/\"v1\""]) == .proceed(honourRange: false))
        #expect(check(["Range": "bytes=0-1", "If-Range": same]) == .proceed(honourRange: true))
        #expect(check(["Range": "bytes=0-1", "If-Range": new]) == .proceed(honourRange: false))
        #expect(check(["If-Range": "\"v2\""]) == .proceed(honourRange: true))
    }

    @Test("media types by extension, case-insensitive")
    func mediaTypes() {
        #expect(MediaTypes.contentType(forPath: "/a/INDEX.HTML") == "text/html; charset=utf-8")
        #expect(MediaTypes.contentType(forPath: "x.svg") == "image/svg+xml")
        #expect(MediaTypes.contentType(forPath: "x.wasm") == "application/wasm")
        #expect(MediaTypes.contentType(forPath: "x.webm") == "video/webm")
        #expect(MediaTypes.contentType(forPath: "x.mp3") == "audio/mpeg")
        #expect(MediaTypes.contentType(forPath: "x.pdf") == "application/pdf")
        #expect(MediaTypes.contentType(forPath: "x.xml") == "text/xml; charset=utf-8")
        #expect(MediaTypes.contentType(forPath: "x.zip") == "application/zip")
        #expect(MediaTypes.contentType(forPath: "x.avif") == "image/avif")
        #expect(MediaTypes.contentType(forPath: "x.webp") == "image/webp")
        #expect(MediaTypes.contentType(forPath: "x.ico") == "image/x-icon")
        #expect(MediaTypes.contentType(forPath: "x.gif") == "image/gif")
        #expect(MediaTypes.contentType(forPath: "x.jpeg") == "image/jpeg")
        #expect(MediaTypes.contentType(forPath: "x.tar.gz") == "application/gzip")
        #expect(MediaTypes.contentType(forPath: ".bashrc") == "application/octet-stream")
        #expect(MediaTypes.contentType(forPath: "dir.d/file") == "application/octet-stream")
        #expect(MediaTypes.contentType(forPath: "trailing.") == "application/octet-stream")
    }

    @Test("listing helpers: escaping, percent-encoding, sizes, order")
    func listingHelpers() {
        #expect(DirectoryListing.escape("<a href='x'>&\"") == "&lt;a href=&#39;x&#39;&gt;&amp;&quot;")
        #expect(PercentEncoding.encodeSegment("a b<&>:#?\u{E9}") == "a%20b%3C%26%3E%3A%23%3F%C3%A9")
        #expect(PercentEncoding.decode("a%20b%zz") == nil)
        #expect(PercentEncoding.decode("%41%2f") == [0x41, 0x2F])
        #expect(DirectoryListing.humanSize(0) == "0 B")
        #expect(DirectoryListing.humanSize(1023) == "1023 B")
        #expect(DirectoryListing.humanSize(1024) == "1 KiB")
        #expect(DirectoryListing.humanSize(1536) == "1.5 KiB")
        #expect(DirectoryListing.humanSize(15_832) == "15 KiB")
        #expect(DirectoryListing.humanSize(3 << 20) == "3 MiB")
        #expect(DirectoryListing.timestamp(784_111_777) == "1994-11-06 08:49")
        let entries = [
            DirectoryListing.Entry(name: "b.txt", isDirectory: false, size: 1, modified: 0),
            DirectoryListing.Entry(name: "Z", isDirectory: true, size: 0, modified: 0),
            DirectoryListing.Entry(name: "A.txt", isDirectory: false, size: 1, modified: 0),
            DirectoryListing.Entry(name: "a", isDirectory: true, size: 0, modified: 0),
        ]
        #expect(DirectoryListing.sorted(entries).map(\.name) == ["a", "Z", "A.txt", "b.txt"])
    }
}
