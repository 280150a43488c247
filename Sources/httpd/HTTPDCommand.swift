import ArgumentParser
import HTTPD
import HTTPDRouting
import HTTPDServiceLifecycle
import HTTPDTutorial
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// The `httpd` demo server: the reference's tutorial application on swift-httpd.
@main
struct HTTPDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "httpd",
        abstract: "Serve the swift-httpd tutorial application.",
        discussion: "Stops cleanly on SIGINT (Ctrl-C) or SIGTERM, letting requests in progress finish for up to 5 seconds."
    )

    @Option(name: .long, help: "An address to listen on (host:port, [v6]:port, unix:/path); repeatable.")
    var address: [String] = ["127.0.0.1:8080"]

    @Option(name: .long, help: "Seconds allowed to receive a request head, or for a stalled body.")
    var requestTimeout: Int = 60

    @Option(name: .long, help: "Seconds a response may make no progress.")
    var responseTimeout: Int = 120

    @Option(name: .long, help: "The most header lines a request may carry.")
    var maxRequestHeaders: Int = 256

    @Option(name: .long, help: "The longest request target, header name or value, in bytes.")
    var maxTokenLength: Int = 1024

    @Option(name: .long, help: "The largest request body, in bytes.")
    var maxBody: Int = 1 << 20

    @Option(name: .long, help: "How far a connection's read buffer may grow, in bytes (reads start at up to 1 KiB).")
    var inputBuffer: Int = 4096

    @Option(name: .long, help: "How many bytes of a streamed response are buffered before sending.")
    var outputBuffer: Int = 4096

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(name: .long, help: ArgumentHelp("Serve the files under this directory at / instead of the tutorial application.", valueName: "dir"))
    var root: String?

    @Flag(name: .long, help: "With --root: answer a directory that has no index.html with a listing.")
    var list = false

    @Flag(name: .long, help: "With --root: serve and list hidden files (names starting with a dot).")
    var hidden = false

    func validate() throws {
        if (list || hidden) && root == nil { throw ValidationError("--list and --hidden need --root DIR") }
        if let root {
            var info = stat()
            guard stat(root, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                throw ValidationError("--root \(root): not a directory")
            }
        }
    }

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            if label == AccessLog.label {
                var handler = AccessLogHandler()
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let server: HTTPServer
        if let root {
            // The file server catches every path: "" is the parent of them all on a recursive mux.
            let files = FileServer(
                root: root, mountedAt: "", options: FileServer.Options(listDirectories: list, serveHiddenFiles: hidden))
            server = try await HTTPServer.start(
                mux: MiddlewareMux(RecursiveHTTPMux(), AccessLog.middleware()), settings: try settings(), addresses: address)
            try await server.register("", handler: files.handler)
            print("Serving \(root)\(list ? " with directory listings" : "")")
        } else {
            server = try await HTTPServer.start(mux: TutorialApplication.mux(), settings: try settings(), addresses: address)
            try await TutorialApplication.register(on: server)
        }
        for bound in server.addresses {
            print("Serving HTTP on \(bound) (http://\(bound)/)")
        }
        fflush(nil)
        // SIGINT and SIGTERM stop the server gracefully: requests in progress get 5 seconds to finish.
        let group = ServiceGroup(
            services: [HTTPService(server, gracePeriod: .seconds(5))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: server.logger)
        try await group.run()
    }

    /// The settings from the command line, each checked by its setter (which names a bad value).
    private func settings() throws -> HTTPSettings {
        try HTTPSettings.setRequestTimeout(.seconds(requestTimeout))
        try HTTPSettings.setResponseTimeout(.seconds(responseTimeout))
        try HTTPSettings.setMaxRequestHeaders(maxRequestHeaders)
        try HTTPSettings.setMaxTokenLength(maxTokenLength)
        try HTTPSettings.setMaxRequestBodyLength(maxBody)
        try HTTPSettings.setInputBufferSize(inputBuffer)
        try HTTPSettings.setOutputBufferSize(outputBuffer)
        return HTTPSettings()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
