import Foundation
import Testing

@testable import HTTPD

/// A `multipart/byteranges` body split into its parts: each part's headers and bytes.
struct MultipartParts {
    struct Part {
        var headers: [String: String]
        var body: [UInt8]
    }

    var parts: [Part] = []

    /// Parses `body` framed with `boundary`; throws when the framing is broken.
    init(body: [UInt8], boundary: String) throws {
        let delimiter = Array("--\(boundary)".utf8)
        var starts: [Int] = []
        var index = 0
        while index + delimiter.count <= body.count {
            if body[index..<index + delimiter.count].elementsEqual(delimiter) {
                starts.append(index)
                index += delimiter.count
            } else {
                index += 1
            }
        }
        try #require(starts.count >= 2)
        #expect(starts[0] == 0)
        #expect(Array(body[starts.last!...]) == Array("--\(boundary)--\r\n".utf8))
        for (first, next) in zip(starts, starts.dropFirst()) {
            // "--boundary\r\n" headers "\r\n\r\n" data "\r\n" (before the next delimiter)
            var part = Array(body[(first + delimiter.count)..<(next - 2)])
            #expect(Array(body[(next - 2)..<next]) == [13, 10])
            #expect(part.starts(with: [13, 10]))
            part.removeFirst(2)
            let text = String(decoding: part, as: UTF8.self)
            let headEnd = try #require(text.range(of: "\r\n\r\n"))
            let headBytes = text.utf8.distance(from: text.startIndex, to: headEnd.upperBound)
            var headers: [String: String] = [:]
            for line in text[..<headEnd.lowerBound].split(separator: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1)
                headers[String(pair[0]).lowercased()] = pair[1].trimmingCharacters(in: .whitespaces)
            }
            parts.append(Part(headers: headers, body: Array(part[headBytes...])))
        }
    }
}

@Suite("File server: byte ranges")
struct FileServerRangeTests {
    let data = FileServerFixture.dataBytes

    @Test("a single range is 206 with Content-Range and exactly those bytes (curl -r 0-99)", arguments: TestTransport.tested)
    func singleRange(over transport: TestTransport) async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve(over: transport) { server async throws in
            let response = try await server.request("/static/data.bin", headers: [("Range", "bytes=0-99")])
            #expect(response.status == 206)
            #expect(response.headers["Content-Range"] == ["bytes 0-99/10000"])
            #expect(response.headers["Content-Length"] == ["100"])
            #expect(response.headers["Content-Type"] == ["application/octet-stream"])
            #expect(response.headers["Accept-Ranges"] == ["bytes"])
            #expect(response.body == Array(data[0..<100]))
        }
    }

    @Test(
        "suffix, open-ended and clamped ranges",
        arguments: [
            ("bytes=-100", 9900, 9999), ("bytes=9990-", 9990, 9999), ("bytes=9990-20000", 9990, 9999),
            ("bytes=5000-5000", 5000, 5000), ("bytes=-20000", 0, 9999), ("Bytes= 10-19", 10, 19),
            ("bytes=0-99999999999999999999999", 0, 9999),
        ])
    func rangeForms(header: String, first: Int, last: Int) async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let response = try await server.raw("/static/data.bin", headers: ["Range: \(header)"])
            #expect(response.status == 206)
            #expect(response.header("Content-Range") == "bytes \(first)-\(last)/10000")
            #expect(response.body == Array(data[first...last]))
        }
    }

    @Test("several ranges are 206 multipart/byteranges, each part with its Content-Type and Content-Range")
    func multipleRanges() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let response = try await server.request(
                "/static/data.bin", headers: [("Range", "bytes=5000-5099, 0-99,-10")])
            #expect(response.status == 206)
            let type = try #require(response.headers["Content-Type"].first)
            #expect(type.hasPrefix("multipart/byteranges; boundary="))
            #expect(response.headers["Content-Range"].isEmpty)
            #expect(response.headers["Content-Length"] == ["\(response.body.count)"])
            let boundary = String(type.dropFirst("multipart/byteranges; boundary=".count))
            let parts = try MultipartParts(body: response.body, boundary: boundary).parts
            #expect(parts.count == 3)
            let expected = [(0, 99), (5000, 5099), (9990, 9999)]
            for (part, (first, last)) in zip(parts, expected) {
                #expect(part.headers["content-type"] == "application/octet-stream")
                #expect(part.headers["content-range"] == "bytes \(first)-\(last)/10000")
                #expect(part.body == Array(data[first...last]))
            }
        }
    }

    @Test("overlapping and adjacent ranges are merged")
    func coalesced() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let overlapping = try await server.raw("/static/data.bin", headers: ["Range: bytes=0-99,50-149,150-199"])
            #expect(overlapping.status == 206)
            #expect(overlapping.header("Content-Range") == "bytes 0-199/10000")
            #expect(overlapping.body == Array(data[0..<200]))
        }
    }

    @Test("unsatisfiable ranges are 416 with Content-Range: bytes */length", arguments: TestTransport.tested)
    func unsatisfiable(over transport: TestTransport) async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve(over: transport) { server async throws in
            for header in ["bytes=10000-", "bytes=20000-30000", "bytes=-0", "bytes=10000-10001,-0"] {
                let response = try await server.raw("/static/data.bin", headers: ["Range: \(header)"])
                #expect(response.status == 416, "\(header)")
                #expect(response.header("Content-Range") == "bytes */10000", "\(header)")
            }
            let empty = try await server.raw("/static/empty.txt", headers: ["Range: bytes=0-99"])
            #expect(empty.status == 416)
            #expect(empty.header("Content-Range") == "bytes */0")
        }
    }

    @Test(
        "a malformed Range or another unit is ignored: the whole file",
        arguments: ["bytes=abc", "bytes=5-1", "items=0-1", "bytes=", "bytes=--1", "bytes 0-1", "bytes=1-2-3", "bytes=0x10-"])
    func ignored(header: String) async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let response = try await server.raw("/static/data.bin", headers: ["Range: \(header)"])
            #expect(response.status == 200)
            #expect(response.body.count == 10_000)
            #expect(response.header("Content-Range") == nil)
        }
    }

    @Test("Apache Killer: more than 16 ranges, or a multipart answer larger than the file, gets the whole file")
    func apacheKiller() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            // The 2011 attack: "bytes=0-,5-0,5-1,5-2,…" — many overlapping ranges (kept under the
            // 1024-byte header limit; a longer one is refused with 431 before the handler runs).
            let killer = "bytes=0-," + (0..<180).map { "5-\($0)" }.joined(separator: ",")
            let attacked = try await server.raw("/static/data.bin", headers: ["Range: \(killer)"])
            #expect(attacked.status == 200)
            #expect(attacked.body.count == 10_000)

            let seventeen = (0..<17).map { "\($0 * 100)-\($0 * 100 + 9)" }.joined(separator: ",")
            let tooMany = try await server.raw("/static/data.bin", headers: ["Range: bytes=\(seventeen)"])
            #expect(tooMany.status == 200)
            #expect(tooMany.body.count == 10_000)

            // 16 copies of the whole file collapse into one range.
            let sixteen = Array(repeating: "0-9999", count: 16).joined(separator: ",")
            let repeated = try await server.raw("/static/data.bin", headers: ["Range: bytes=\(sixteen)"])
            #expect(repeated.status == 206)
            #expect(repeated.body.count == 10_000)

            // 16 one-byte ranges of a 13-byte file: the multipart framing would dwarf the file.
            let tiny = (0..<6).map { "\($0 * 2)-\($0 * 2)" }.joined(separator: ",")
            let small = try await server.raw("/static/hello.txt", headers: ["Range: bytes=\(tiny)"])
            #expect(small.status == 200)
            #expect(small.text == "hello, world\n")

            // 16 small disjoint ranges of the 10 000-byte file: allowed, and smaller than the file.
            let many = (0..<16).map { "\($0 * 600)-\($0 * 600 + 99)" }.joined(separator: ",")
            let allowed = try await server.raw("/static/data.bin", headers: ["Range: bytes=\(many)"])
            #expect(allowed.status == 206)
            #expect(allowed.body.count < 10_000)
        }
    }

    @Test("If-Range: a matching strong ETag or exact date honours Range; anything else sends the whole file")
    func ifRange() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let full = try await server.raw("/static/hello.txt")
            let etag = try #require(full.header("ETag"))
            let date = try #require(full.header("Last-Modified"))
            let cases: [(String, Int)] = [
                (etag, 206), ("W/" + etag, 200), ("\"other\"", 200), (date, 206),
                ("Thu, 02 Jan 2020 00:00:00 GMT", 200), ("not a date", 200),
            ]
            for (value, status) in cases {
                let response = try await server.raw("/static/hello.txt", headers: ["Range: bytes=0-4", "If-Range: \(value)"])
                #expect(response.status == status, "If-Range: \(value)")
                #expect(response.text == (status == 206 ? "hello" : "hello, world\n"))
            }
        }
    }

    @Test("HEAD with a Range gets the 206 headers and no body", arguments: TestTransport.tested)
    func headRange(over transport: TestTransport) async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve(over: transport) { server async throws in
            let response = try await server.raw("/static/data.bin", method: "HEAD", headers: ["Range: bytes=0-99"])
            #expect(response.status == 206)
            #expect(response.header("Content-Length") == "100")
            #expect(response.header("Content-Range") == "bytes 0-99/10000")
        }
    }

    @Test("a multipart answer over 1 MiB is streamed, byte-exact", arguments: TestTransport.tested)
    func largeMultipart(over transport: TestTransport) async throws {
        let fixture = try FileServerFixture()
        let large = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        try fixture.write("large.bin", large)
        try await fixture.serve(over: transport) { server async throws in
            let response = try await server.request(
                "/static/large.bin", headers: [("Range", "bytes=100-1499999,2000000-2999999")])
            #expect(response.status == 206)
            let type = try #require(response.headers["Content-Type"].first)
            let boundary = String(type.dropFirst("multipart/byteranges; boundary=".count))
            let parts = try MultipartParts(body: response.body, boundary: boundary).parts
            #expect(parts.count == 2)
            #expect(parts.first?.body == Array(large[100...1_499_999]))
            #expect(parts.last?.body == Array(large[2_000_000...2_999_999]))
            #expect(parts.last?.headers["content-range"] == "bytes 2000000-2999999/\(large.count)")
        }
    }

    @Test("a video's Range: bytes=0- (what browsers send) is a 206 of the whole file")
    func browserVideoRange() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let response = try await server.raw("/static/movie.mp4", headers: ["Range: bytes=0-"])
            #expect(response.status == 206)
            #expect(response.header("Content-Range") == "bytes 0-7/8")
            #expect(response.header("Content-Type") == "video/mp4")
        }
    }
}
