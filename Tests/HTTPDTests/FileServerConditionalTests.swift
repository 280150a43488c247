import Foundation
import Testing

@testable import HTTPD

@Suite("File server: validators and conditional requests")
struct FileServerConditionalTests {
    /// The ETag and Last-Modified of hello.txt, from a plain GET.
    func validators(_ server: TestServer) async throws -> (etag: String, date: String) {
        let response = try await server.raw("/static/hello.txt")
        return (try #require(response.header("ETag")), try #require(response.header("Last-Modified")))
    }

    @Test("If-None-Match with the current ETag (strong, weak, in a list, or *) is 304 without a body")
    func ifNoneMatch() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let (etag, date) = try await validators(server)
            for value in [etag, "W/" + etag, "\"a\", \(etag)", "*"] {
                let response = try await server.raw("/static/hello.txt", headers: ["If-None-Match: \(value)"])
                #expect(response.status == 304, "If-None-Match: \(value)")
                #expect(response.body.isEmpty)
                #expect(response.header("ETag") == etag)
                #expect(response.header("Last-Modified") == date)
            }
            let other = try await server.raw("/static/hello.txt", headers: ["If-None-Match: \"nope\""])
            #expect(other.status == 200)
            #expect(other.text == "hello, world\n")
        }
    }

    @Test("If-Modified-Since (curl -z): not modified since → 304; modified since, or a bad date → 200")
    func ifModifiedSince() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let cases: [(String, Int)] = [
                ("Wed, 01 Jan 2020 00:00:00 GMT", 304),
                ("Thu, 02 Jan 2020 00:00:00 GMT", 304),
                ("Tuesday, 31-Dec-19 23:59:59 GMT", 200),
                ("Wed Jan  1 00:00:00 2020", 304),
                ("Tue, 31 Dec 2019 23:59:59 GMT", 200),
                ("yesterday", 200),
            ]
            for (date, status) in cases {
                let response = try await server.raw("/static/hello.txt", headers: ["If-Modified-Since: \(date)"])
                #expect(response.status == status, "If-Modified-Since: \(date)")
                #expect(response.body.isEmpty == (status == 304))
            }
        }
    }

    @Test("If-None-Match takes precedence over If-Modified-Since")
    func noneMatchBeatsModifiedSince() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let response = try await server.raw(
                "/static/hello.txt", headers: ["If-None-Match: \"other\"", "If-Modified-Since: Thu, 02 Jan 2020 00:00:00 GMT"])
            #expect(response.status == 200)
        }
    }

    @Test("If-Match: the current ETag or * passes; another tag, a weak tag or garbage is 412")
    func ifMatch() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let (etag, _) = try await validators(server)
            let cases: [(String, Int)] = [
                (etag, 200), ("*", 200), ("\"x\", \(etag)", 200), ("\"other\"", 412), ("W/" + etag, 412), ("garbage", 412),
            ]
            for (value, status) in cases {
                let response = try await server.raw("/static/hello.txt", headers: ["If-Match: \(value)"])
                #expect(response.status == status, "If-Match: \(value)")
            }
        }
    }

    @Test("If-Unmodified-Since: modified after the date is 412; ignored when If-Match is present")
    func ifUnmodifiedSince() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let (etag, _) = try await validators(server)
            let before = "Tue, 31 Dec 2019 00:00:00 GMT"
            #expect(try await server.raw("/static/hello.txt", headers: ["If-Unmodified-Since: \(before)"]).status == 412)
            let after = "Thu, 02 Jan 2020 00:00:00 GMT"
            #expect(try await server.raw("/static/hello.txt", headers: ["If-Unmodified-Since: \(after)"]).status == 200)
            let both = try await server.raw(
                "/static/hello.txt", headers: ["If-Match: \(etag)", "If-Unmodified-Since: \(before)"])
            #expect(both.status == 200)
        }
    }

    @Test("412 from If-Match comes before 304 from If-None-Match")
    func preconditionFirst() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let (etag, _) = try await validators(server)
            let response = try await server.raw(
                "/static/hello.txt", headers: ["If-Match: \"other\"", "If-None-Match: \(etag)"])
            #expect(response.status == 412)
        }
    }

    @Test("HEAD revalidates too")
    func headConditional() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let (etag, _) = try await validators(server)
            let response = try await server.raw("/static/hello.txt", method: "HEAD", headers: ["If-None-Match: \(etag)"])
            #expect(response.status == 304)
        }
    }

    @Test("the ETag changes when the file changes, and the old one no longer gets a 304")
    func etagChanges() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let (etag, _) = try await validators(server)
            try fixture.write("hello.txt", Array("hello, again\n".utf8))
            let response = try await server.raw("/static/hello.txt", headers: ["If-None-Match: \(etag)"])
            #expect(response.status == 200)
            #expect(response.text == "hello, again\n")
            #expect(response.header("ETag") != etag)
        }
    }

    @Test("a Last-Modified in the future is capped at now")
    func futureModification() async throws {
        let fixture = try FileServerFixture()
        let path = fixture.root + "/hello.txt"
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 86_400 * 365)], ofItemAtPath: path)
        try await fixture.serve { server async throws in
            let response = try await server.raw("/static/hello.txt")
            let date = try #require(response.header("Last-Modified").flatMap(HTTPDate.parse))
            #expect(date <= Int64(Date().timeIntervalSince1970) + 1)
        }
    }
}
