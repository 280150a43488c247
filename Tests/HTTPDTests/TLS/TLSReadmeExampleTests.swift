import Testing

/// The README's HTTPS section shows `Examples/HTTPS/main.swift` as the build compiles it.
@Suite("TLS: README example")
struct TLSReadmeExampleTests {
    @Test("Examples/HTTPS/main.swift appears in the README as a code block")
    func exampleInReadme() throws {
        let readme = try ReadmeExamplesTests.read("README.md")
        let code = try ReadmeExamplesTests.read("Examples/HTTPS/main.swift")
        #expect(readme.contains("```swift\n" + code + "```\n"), "README.md does not show Examples/HTTPS/main.swift as it is")
    }
}
