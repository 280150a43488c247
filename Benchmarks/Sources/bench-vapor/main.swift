// Vapor 4: the benchmark's four endpoints, written the way Vapor's documentation does.
// Usage: bench-vapor PORT FILE_DIRECTORY
import Vapor

let arguments = CommandLine.arguments
guard arguments.count >= 3, let port = Int(arguments[1]) else {
    print("usage: bench-vapor PORT FILE_DIRECTORY")
    exit(2)
}
let fileDirectory = arguments[2]

struct Message: Content {
    let message: String
}

// Quiet: errors only, so neither the per-request route log nor anything else is written.
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .error
    return handler
}

// Our own command line is not Vapor's: give Vapor a plain `serve`.
let app = try await Application.make(Environment(name: "production", arguments: ["bench-vapor", "serve"]))
app.logger.logLevel = .error
app.http.server.configuration.hostname = "127.0.0.1"
app.http.server.configuration.port = port

app.get("plaintext") { _ in
    "Hello, World!"
}
app.get("json") { _ in
    // Content: encoded per request with Vapor's default JSON encoder.
    Message(message: "Hello, World!")
}
app.on(.POST, "upload", body: .collect(maxSize: "64mb")) { request in
    String(request.body.data?.readableBytes ?? 0)
}
// Vapor's own file serving: FileIO streaming the file from disk.
app.get("file", ":name") { request async throws -> Response in
    let name = try request.parameters.require("name")
    guard !name.contains("/"), !name.hasPrefix(".") else { throw Abort(.notFound) }
    return try await request.fileio.asyncStreamFile(at: fileDirectory + "/" + name)
}

do {
    try await app.execute()
} catch {
    try? await app.asyncShutdown()
    throw error
}
try await app.asyncShutdown()
