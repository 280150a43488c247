import Testing

/// The README's WebSocket and Server-Sent Events sections show their examples verbatim.
@Suite struct LiveReadmeExampleTests {
    @Test(arguments: ["Examples/WebSocket/main.swift", "Examples/EventStream/main.swift"])
    func exampleInReadme(path: String) throws {
        let readme = try ReadmeExamplesTests.read("README.md")
        let code = try ReadmeExamplesTests.read(path)
        #expect(readme.contains("```swift\n" + code + "```\n"), "README.md does not show \(path) as it is")
    }
}
