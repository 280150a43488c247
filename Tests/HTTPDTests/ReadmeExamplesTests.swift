import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The README shows the examples' code verbatim, so what it shows is what the build compiles.
@Suite("README examples")
struct ReadmeExamplesTests {
    /// The repository's root, from this file's path.
    static let root: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    static func read(_ relative: String) throws -> String {
        guard let file = fopen(root + "/" + relative, "r") else { throw ReadError(path: relative) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while case let count = fread(&buffer, 1, buffer.count, file), count > 0 { bytes += buffer[..<count] }
        return String(decoding: bytes, as: UTF8.self)
    }

    struct ReadError: Error {
        let path: String
    }

    @Test("each example file appears in the README as a code block", arguments: [
        "Examples/Hello/main.swift",
        "Examples/FileServer/main.swift",
        "Examples/ServiceLifecycle/main.swift",
        "Examples/TodoAPI/TodoAPI.swift",
        "Examples/Routing/Site.swift",
        "Examples/Routing/Middleware.swift",
        "Examples/Routing/Cookies.swift",
        "Examples/Routing/VirtualHosts.swift",
        "Examples/Observability/main.swift",
        "Examples/Uploads/main.swift",
        "Examples/HTTP2/main.swift",
    ])
    func exampleInReadme(path: String) throws {
        let readme = try Self.read("README.md")
        let code = try Self.read(path)
        #expect(readme.contains("```swift\n" + code + "```\n"), "README.md does not show \(path) as it is")
    }

    @Test("the README's relative links point at files in the repository")
    func links() throws {
        let readme = try Self.read("README.md")
        var rest = Substring(readme)
        while let open = rest.firstRange(of: "](") {
            rest = rest[open.upperBound...]
            guard let close = rest.firstIndex(of: ")") else { break }
            let target = String(rest[..<close])
            rest = rest[close...]
            if target.hasPrefix("http") || target.hasPrefix("#") { continue }
            #expect(access(Self.root + "/" + target, F_OK) == 0, "README links to \(target), which is not in the repository")
        }
    }
}
