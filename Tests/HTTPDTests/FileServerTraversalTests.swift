import Testing

@testable import HTTPD

/// The traversal corpus, sent over raw TCP exactly as written (as `curl --path-as-is` would).
@Suite("File server: containment")
struct FileServerTraversalTests {
    static let corpus = [
        "/static/../outside.txt",
        "/static/../../../../../../etc/passwd",
        "/static/sub/../../outside.txt",
        "/static/%2e%2e/outside.txt",
        "/static/%2E%2E/outside.txt",
        "/static/.%2e/outside.txt",
        "/static/..%2foutside.txt",
        "/static/..%2Foutside.txt",
        "/static/%2e%2e%2foutside.txt",
        "/static/%252e%252e/outside.txt",
        "/static/%252e%252e%252foutside.txt",
        "/static/hello.txt%00",
        "/static/hello.txt%00.png",
        "/static/%00../outside.txt",
        "/static/..\\outside.txt",
        "/static/sub\\..\\..\\outside.txt",
        "/static/..%5coutside.txt",
        "/static/..%5Coutside.txt",
        "/static/%c0%ae%c0%ae/outside.txt",
        "/static/link-out",
        "/static/link-sibling/secret.txt",
        "/static/link-sibling/",
        "/static/./hello.txt",
        "/static/.../outside.txt",
        "/static/%2e",
        "/static/hello%zz.txt",
        "/static/%",
        "http://127.0.0.1/static/../outside.txt",
    ]

    @Test("every traversal attempt is a 404 that reveals nothing", arguments: corpus)
    func refused(target: String) async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve(options: FileServer.Options(listDirectories: true)) { server async throws in
            let response = try await server.raw(target)
            #expect(response.status == 404, "\(target)")
            #expect(!response.text.contains("secret"), "\(target)")
            #expect(!response.text.contains("root:"), "\(target)")
        }
    }

    @Test("mounted at /, `curl --path-as-is http://HOST/../../etc/passwd` is 404")
    func etcPasswdAtRoot() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve(mount: "", options: FileServer.Options(listDirectories: true)) { server async throws in
            for target in ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd", "/../outside.txt"] {
                let response = try await server.raw(target)
                #expect(response.status == 404, "\(target)")
                #expect(!response.text.contains("root:"))
                #expect(!response.text.contains("secret"))
            }
        }
    }

    @Test("%25 is decoded once: %252e%252e names the directory literally called %2e%2e")
    func decodedOnce() async throws {
        let fixture = try FileServerFixture()
        try await fixture.serve { server async throws in
            let response = try await server.raw("/static/%252e%252e/x.txt")
            #expect(response.status == 200)
            #expect(response.text == "literal\n")
        }
    }

    @Test("a root given through a symlink still contains its own files")
    func rootThroughSymlink() async throws {
        let fixture = try FileServerFixture()
        let linkedRoot = fixture.base.appendingPathComponent("root-link").path
        #expect(symlink(fixture.root, linkedRoot) == 0)
        let files = FileServer(root: linkedRoot, mountedAt: "/static")
        try await TestServer.with(mux: RecursiveHTTPMux(), routes: ["/static": files.handler]) { server async throws in
            #expect(try await server.raw("/static/hello.txt").text == "hello, world\n")
            #expect(try await server.raw("/static/link-out").status == 404)
            #expect(try await server.raw("/static/../outside.txt").status == 404)
        }
    }

    @Test("segment checks", arguments: [
        ("/a/b.txt", nil), ("/../x", SafePath.Refusal.dotSegment), ("/%2e%2e/x", .dotSegment), ("/./x", .dotSegment),
        ("/..%2fx", .encodedSlash), ("/a%2Fb", .encodedSlash), ("/a%00", .nul), ("/..\\x", .backslash),
        ("/a%5cb", .backslash), ("/.env", .hidden), ("/a/.git/config", .hidden), ("/%zz", .badEncoding),
        ("/%e9", .badEncoding), ("/%c0%ae", .badEncoding), ("/%", .badEncoding),
    ] as [(String, SafePath.Refusal?)])
    func segments(path: String, refusal: SafePath.Refusal?) {
        switch SafePath.segments(Substring(path), allowHidden: false) {
        case .success: #expect(refusal == nil, "\(path)")
        case .failure(let reason): #expect(reason == refusal, "\(path)")
        }
    }

    @Test("containment is checked on whole segments, and on bytes")
    func relativePart() {
        #expect(SafePath.relativePart(of: "/srv/public2/x", inside: "/srv/public") == nil)
        #expect(SafePath.relativePart(of: "/srv/public", inside: "/srv/public") == "")
        #expect(SafePath.relativePart(of: "/srv/public/a/b", inside: "/srv/public") == "a/b")
        #expect(SafePath.relativePart(of: "/srv/pub", inside: "/srv/public") == nil)
        #expect(SafePath.relativePart(of: "/anything", inside: "/") == "anything")
        // "é" precomposed and decomposed are equal Strings but different directories.
        #expect(SafePath.relativePart(of: "/srv/cafe\u{301}/x", inside: "/srv/caf\u{E9}") == nil)
    }
}

#if canImport(Glibc)
import Glibc
#endif
