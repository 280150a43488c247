import Foundation
import NIOHTTP1
import Testing

@testable import HTTPD

/// A temporary directory tree served by the file-server tests, removed when the fixture goes away.
///
/// ```
/// base/
///   public/                 ← the root
///     hello.txt             "hello, world\n", modified 2020-01-01 00:00:00 UTC
///     data.bin              10 000 bytes, byte i = i % 251
///     empty.txt             0 bytes
///     page.html style.css app.js module.mjs data.json image.png font.woff2 movie.mp4 README
///     sub/index.html        "<h1>sub</h1>\n"
///     docs/                 no index: a.txt, B.txt, "we<i>rd & 100%.txt", nested/, .hidden
///     .secret, .git/config  hidden
///     link-in → hello.txt   (inside the root)
///     link-out → ../outside.txt
///     link-sibling → ../public2 (a sibling whose name starts with the root's name)
///     %2e%2e/x.txt          a directory literally named "%2e%2e"
///   public2/secret.txt      "sibling secret"
///   outside.txt             "outside secret"
/// ```
final class FileServerFixture: @unchecked Sendable {
    let base: URL
    var root: String { base.appendingPathComponent("public").path }
    static let helloModified: TimeInterval = 1_577_836_800  // 2020-01-01T00:00:00Z
    static let dataBytes: [UInt8] = (0..<10_000).map { UInt8($0 % 251) }

    init() throws {
        let manager = FileManager.default
        base = manager.temporaryDirectory.appendingPathComponent("httpd-files-\(UInt64.random(in: 0...UInt64.max))")
        let root = base.appendingPathComponent("public")
        for directory in ["public/sub", "public/docs/nested", "public/.git", "public/%2e%2e", "public2"] {
            try manager.createDirectory(at: base.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        func write(_ path: String, _ text: String) throws {
            try Data(text.utf8).write(to: base.appendingPathComponent(path))
        }
        try write("public/hello.txt", "hello, world\n")
        try Data(Self.dataBytes).write(to: root.appendingPathComponent("data.bin"))
        try write("public/empty.txt", "")
        try write("public/page.html", "<!doctype html><title>page</title>\n")
        try write("public/style.css", "body { color: red }\n")
        try write("public/app.js", "console.log(1)\n")
        try write("public/module.mjs", "export {}\n")
        try write("public/data.json", "{}\n")
        try write("public/image.png", "\u{89}PNG")
        try write("public/font.woff2", "wOF2")
        try write("public/movie.mp4", "....ftyp")
        try write("public/README", "readme\n")
        try write("public/sub/index.html", "<h1>sub</h1>\n")
        try write("public/docs/a.txt", "a\n")
        try write("public/docs/B.txt", "bb\n")
        try write("public/docs/we<i>rd & 100%.txt", "weird\n")
        try write("public/docs/.hidden", "hidden\n")
        try write("public/docs/nested/deep.txt", "deep\n")
        try write("public/.secret", "dot secret\n")
        try write("public/.git/config", "[core]\n")
        try write("public/%2e%2e/x.txt", "literal\n")
        try write("public2/secret.txt", "sibling secret\n")
        try write("outside.txt", "outside secret\n")
        try manager.createSymbolicLink(atPath: root.appendingPathComponent("link-in").path, withDestinationPath: "hello.txt")
        try manager.createSymbolicLink(
            atPath: root.appendingPathComponent("link-out").path, withDestinationPath: "../outside.txt")
        try manager.createSymbolicLink(
            atPath: root.appendingPathComponent("link-sibling").path, withDestinationPath: "../public2")
        try manager.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: Self.helloModified)],
            ofItemAtPath: root.appendingPathComponent("hello.txt").path)
    }

    deinit {
        try? FileManager.default.removeItem(at: base)
    }

    /// Writes `bytes` to `name` below the root.
    func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: base.appendingPathComponent("public").appendingPathComponent(name))
    }

    /// Runs `body` with a server whose recursive mux serves the root at `mount` with `options`, over
    /// plain TCP unless `transport` says otherwise.
    func serve(
        mount: String = "/static", options: FileServer.Options = FileServer.Options(), over transport: TestTransport = .plain,
        _ body: (TestServer) async throws -> Void
    ) async throws {
        let files = FileServer(root: root, mountedAt: mount, options: options)
        try await TestServer.with(transport: transport, mux: RecursiveHTTPMux(), routes: [mount: files.handler], body)
    }
}

extension TestServer {
    /// A GET (or other method) over a raw connection, with the target sent exactly as given.
    func raw(_ target: String, method: String = "GET", headers: [String] = []) async throws -> RawResponse {
        let client = try await connect()
        let extra = headers.map { $0 + "\r\n" }.joined()
        try await client.send("\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(extra)Connection: close\r\n\r\n")
        guard let response = try await client.readResponse(headOnly: method == "HEAD") else {
            throw RawClientError.truncated
        }
        return response
    }
}

@Suite("File server: files, methods, directories")
struct FileServerTests {
    @Test("GET serves the bytes with Content-Length, Content-Type, ETag, Last-Modified, Accept-Ranges")
    func servesFile() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let response = try await server.request("/static/hello.txt")
            #expect(response.status == 200)
            #expect(response.text == "hello, world\n")
            #expect(response.headers["Content-Length"] == ["13"])
            #expect(response.headers["Content-Type"] == ["text/plain; charset=utf-8"])
            #expect(response.headers["Accept-Ranges"] == ["bytes"])
            #expect(response.headers["Last-Modified"] == ["Wed, 01 Jan 2020 00:00:00 GMT"])
            let etag = try #require(response.headers["ETag"].first)
            #expect(etag.hasPrefix("\"d-"))
            #expect(etag.hasSuffix("\""))
            #expect(response.headers["X-Content-Type-Options"] == ["nosniff"])
        }
    }

    @Test("binary file and a large file (several sendfile slices) arrive intact", arguments: TestTransport.tested)
    func binaryAndLarge(over transport: TestTransport) async throws {
        let fixture = try FileServerFixture()
        let large = (0..<(9 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 12) }
        try fixture.write("large.bin", large)
        try await fixture.serve(over: transport) { server async throws in
            let small = try await server.request("/static/data.bin")
            #expect(small.body == FileServerFixture.dataBytes)
            #expect(small.headers["Content-Type"] == ["application/octet-stream"])
            let big = try await server.request("/static/large.bin")
            #expect(big.status == 200)
            #expect(big.headers["Content-Length"] == ["\(large.count)"])
            #expect(big.body == large)
        }
    }

    @Test("an empty file is 200 with Content-Length: 0")
    func emptyFile() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let response = try await server.request("/static/empty.txt")
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
            #expect(response.headers["Content-Length"] == ["0"])
        }
    }

    @Test(
        "Content-Type from the extension",
        arguments: [
            ("page.html", "text/html; charset=utf-8"), ("style.css", "text/css; charset=utf-8"),
            ("app.js", "text/javascript; charset=utf-8"), ("module.mjs", "text/javascript; charset=utf-8"),
            ("data.json", "application/json"), ("image.png", "image/png"), ("font.woff2", "font/woff2"),
            ("movie.mp4", "video/mp4"), ("README", "application/octet-stream"),
        ])
    func contentTypes(file: String, type: String) async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let response = try await server.request("/static/" + file)
            #expect(response.status == 200)
            #expect(response.headers["Content-Type"] == [type])
        }
    }

    @Test("HEAD sends the GET headers and no body")
    func head() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let get = try await server.raw("/static/hello.txt")
            let head = try await server.raw("/static/hello.txt", method: "HEAD")
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "13")
            #expect(head.header("ETag") == get.header("ETag"))
            #expect(head.header("Content-Type") == get.header("Content-Type"))
            // Nothing follows the head: the connection closes with no body bytes.
            let client = try await server.connect()
            try await client.send("HEAD /static/hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let raw = try await client.readUntilClose()
            #expect(raw.hasSuffix("\r\n\r\n"))
            #expect(!raw.contains("hello, world"))
        }
    }

    @Test("other methods are 405 with Allow: GET, HEAD", arguments: ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
    func methodNotAllowed(method: String) async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let response = try await server.raw("/static/hello.txt", method: method, headers: ["Content-Length: 0"])
            #expect(response.status == 405)
            #expect(response.header("Allow") == "GET, HEAD")
        }
    }

    @Test("a missing file is 404")
    func missing() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            #expect(try await server.request("/static/nope.txt").status == 404)
            #expect(try await server.request("/static/sub/nope/deeper").status == 404)
            // A file named like a directory:
            #expect(try await server.request("/static/hello.txt/").status == 404)
        }
    }

    @Test("a directory with index.html serves it; without a trailing slash it redirects first, keeping the query")
    func indexAndRedirect() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let index = try await server.request("/static/sub/")
            #expect(index.status == 200)
            #expect(index.text == "<h1>sub</h1>\n")
            #expect(index.headers["Content-Type"] == ["text/html; charset=utf-8"])

            let redirect = try await server.raw("/static/sub?x=1&y")
            #expect(redirect.status == 301)
            #expect(redirect.header("Location") == "/static/sub/?x=1&y")

            let mountRoot = try await server.raw("/static")
            #expect(mountRoot.status == 301)
            #expect(mountRoot.header("Location") == "/static/")
        }
    }

    @Test("a redirect cannot be turned into an open redirect with a leading //")
    func noOpenRedirect() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve(mount: "") { server async throws in
            let response = try await server.raw("//sub")
            #expect(response.status == 301)
            #expect(response.header("Location") == "/sub/")
        }
    }

    @Test("a directory without index.html is 404 unless listing is enabled")
    func noListingByDefault() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            #expect(try await server.request("/static/docs/").status == 404)
            #expect(try await server.request("/static/").status == 404)
        }
    }

    @Test("the listing: sorted, directories first, escaped names, sizes, times, links that work")
    func listing() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve(options: FileServer.Options(listDirectories: true)) { server async throws in
            let response = try await server.request("/static/docs/")
            #expect(response.status == 200)
            #expect(response.headers["Content-Type"] == ["text/html; charset=utf-8"])
            let html = response.text
            #expect(html.contains("<title>Index of /static/docs/</title>"))
            #expect(html.contains("<a href=\"../\">../</a>"))
            #expect(html.contains("<a href=\"nested/\">nested/</a>"))
            #expect(html.contains("<a href=\"a.txt\">a.txt</a>"))
            #expect(html.contains("<a href=\"we%3Ci%3Erd%20%26%20100%25.txt\">we&lt;i&gt;rd &amp; 100%.txt</a>"))
            #expect(!html.contains("we<i>rd"))
            #expect(html.contains("data-bytes=\"3\">3 B</td>"))  // B.txt
            #expect(!html.contains(".hidden"))
            // nested/ first, then a.txt, B.txt, we<i>rd… (case-insensitive)
            let order = ["nested/", "a.txt", "B.txt", "we%3Ci%3Erd"].map { html.range(of: "href=\"\($0)")!.lowerBound }
            #expect(order == order.sorted())
            // The listed link leads to the file.
            let weird = try await server.request("/static/docs/we%3Ci%3Erd%20%26%20100%25.txt")
            #expect(weird.text == "weird\n")
            // Modification time, as yyyy-mm-dd hh:mm.
            #expect(html.range(of: #"<td class="modified">\d{4}-\d\d-\d\d \d\d:\d\d</td>"#, options: .regularExpression) != nil)
        }
    }

    @Test("a directory of 2,000 entries is listed whole (past glibc's 32 KiB readdir buffer, names read in place)")
    func largeListing() async throws {
        let fixture = try FileServerFixture()
        let names = (0..<2000).map { String(format: "entry-%04d.txt", $0) }
        try FileManager.default.createDirectory(
            at: fixture.base.appendingPathComponent("public/many"), withIntermediateDirectories: true)
        for name in names { try fixture.write("many/" + name, [UInt8(ascii: "x")]) }
        try await fixture.serve(options: FileServer.Options(listDirectories: true)) { server async throws in
            let html = try await server.request("/static/many/").text
            #expect(names.filter { !html.contains("<a href=\"\($0)\">\($0)</a>") }.isEmpty)
        }
    }

    @Test("the listing at the mount root has no parent link and leaves out links pointing outside")
    func listingRoot() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve(options: FileServer.Options(listDirectories: true)) { server async throws in
            let html = try await server.request("/static/").text
            #expect(!html.contains("href=\"../\""))
            #expect(html.contains("href=\"hello.txt\""))
            #expect(html.contains("href=\"link-in\""))
            #expect(!html.contains("link-out"))
            #expect(!html.contains("link-sibling"))
            #expect(!html.contains(".secret"))
            #expect(!html.contains(".git"))
            #expect(html.contains("href=\"sub/\""))
        }
    }

    @Test("an index.html wins over the listing; indexFile nil lists instead")
    func indexBeatsListing() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve(options: FileServer.Options(listDirectories: true)) { server async throws in
            #expect(try await server.request("/static/sub/").text == "<h1>sub</h1>\n")
        }
        try await fixture.serve(options: FileServer.Options(listDirectories: true, indexFile: nil)) { server async throws in
            #expect(try await server.request("/static/sub/").text.contains("href=\"index.html\""))
        }
    }

    @Test("hidden files are 404 by default and served when enabled")
    func hiddenFiles() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            #expect(try await server.request("/static/.secret").status == 404)
            #expect(try await server.request("/static/.git/config").status == 404)
            #expect(try await server.request("/static/docs/.hidden").status == 404)
            #expect(try await server.raw("/static/%2esecret").status == 404)
        }
        try await fixture.serve(options: FileServer.Options(listDirectories: true, serveHiddenFiles: true)) { server async throws in
            #expect(try await server.request("/static/.secret").text == "dot secret\n")
            #expect(try await server.request("/static/.git/config").text == "[core]\n")
            #expect(try await server.request("/static/docs/").text.contains("href=\".hidden\""))
        }
    }

    @Test("a symlink inside the root is followed")
    func symlinkInside() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            #expect(try await server.request("/static/link-in").text == "hello, world\n")
        }
    }

    @Test("mounted at the root of the site")
    func mountedAtRoot() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve(mount: "", options: FileServer.Options(listDirectories: true)) { server async throws in
            #expect(try await server.request("/hello.txt").text == "hello, world\n")
            #expect(try await server.request("/").text.contains("Index of /</title>"))
            #expect(try await server.request("/sub/").text == "<h1>sub</h1>\n")
            let redirect = try await server.raw("/docs")
            #expect(redirect.header("Location") == "/docs/")
        }
    }

    @Test("percent-encoded names are decoded once")
    func encodedNames() async throws {
        let fixture = try FileServerFixture()
        try fixture.write("with space.txt", Array("spaced\n".utf8))
        try fixture.write("caf\u{E9}.txt", Array("accent\n".utf8))
        try await fixture.serve { server async throws in
            #expect(try await server.raw("/static/with%20space.txt").text == "spaced\n")
            #expect(try await server.raw("/static/caf%C3%A9.txt").text == "accent\n")
            #expect(try await server.raw("/static/%68ello.txt").text == "hello, world\n")
        }
    }

    @Test("a request the mux routes to the handler but outside its mount path is 404")
    func outsideMount() async throws {
        let fixture = try FileServerFixture()
        let files = FileServer(root: fixture.root, mountedAt: "/static")
        try await TestServer.with(mux: RecursiveHTTPMux(default: files.handler)) { server async throws in
            #expect(try await server.request("/hello.txt").status == 404)
            #expect(try await server.request("/statichello.txt").status == 404)
            #expect(try await server.request("/static/hello.txt").status == 200)
        }
    }

    @Test("a missing root is 404, and works once it exists")
    func missingRoot() async throws {
        let fixture = try FileServerFixture()
        let later = fixture.base.appendingPathComponent("later").path
        let files = FileServer(root: later, mountedAt: "")
        try await TestServer.with(mux: RecursiveHTTPMux(), routes: ["": files.handler]) { server async throws in
            #expect(try await server.request("/x.txt").status == 404)
            try FileManager.default.createDirectory(atPath: later, withIntermediateDirectories: true)
            try Data("x\n".utf8).write(to: URL(fileURLWithPath: later + "/x.txt"))
            #expect(try await server.request("/x.txt").text == "x\n")
        }
    }
}
