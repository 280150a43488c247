import ArgumentParser
import HTTPD
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The `httpd` demo server: the reference's tutorial application on swift-httpd.
@main
struct HTTPDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "httpd",
        abstract: "Serve the swift-httpd tutorial application.",
        discussion: "Stops cleanly on SIGINT (Ctrl-C) or SIGTERM."
    )

    @Option(name: .long, help: "An address to listen on (host:port, [v6]:port, unix:/path); repeatable.")
    var address: [String] = ["127.0.0.1:8080"]

    @Option(name: .long, help: "Seconds allowed to receive a request head, or for a stalled body.")
    var requestTimeout: Int?

    @Option(name: .long, help: "Seconds a response may make no progress.")
    var responseTimeout: Int?

    @Option(name: .long, help: "The most header lines a request may carry.")
    var maxRequestHeaders: Int?

    @Option(name: .long, help: "The longest request target, header name or value, in bytes.")
    var maxTokenLength: Int?

    @Option(name: .long, help: "The largest request body, in bytes.")
    var maxBody: Int?

    @Option(name: .long, help: "The first read buffer of a connection, in bytes.")
    var inputBuffer: Int?

    @Option(name: .long, help: "How many bytes of a streamed response are buffered before sending.")
    var outputBuffer: Int?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let server = try await HTTPServer.start(mux: DefaultHTTPMux(default: TutorialApplication.notFound), settings: try settings(), addresses: address)
        try await TutorialApplication.register(on: server)
        for bound in server.addresses {
            print("Serving HTTP on \(bound) (http://\(bound)/)")
        }
        fflush(nil)
        StopSignals.install { await server.stop(gracePeriod: .seconds(5)) }
        await server.wait()
    }

    /// The process-wide settings with the command line's changes, each checked by its setter.
    private func settings() throws -> HTTPSettings {
        if let requestTimeout { try HTTPSettings.setRequestTimeout(.seconds(requestTimeout)) }
        if let responseTimeout { try HTTPSettings.setResponseTimeout(.seconds(responseTimeout)) }
        if let maxRequestHeaders { try HTTPSettings.setMaxRequestHeaders(maxRequestHeaders) }
        if let maxTokenLength { try HTTPSettings.setMaxTokenLength(maxTokenLength) }
        if let maxBody { try HTTPSettings.setMaxRequestBodyLength(maxBody) }
        if let inputBuffer { try HTTPSettings.setInputBufferSize(inputBuffer) }
        if let outputBuffer { try HTTPSettings.setOutputBufferSize(outputBuffer) }
        return HTTPSettings()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
