// swift-httpd: the benchmark's four endpoints, written the way the library's documentation does.
// Shared by `bench-httpd` (the benchmarked binary, async main) and `bench-httpd-callgrind`
// (the same server with the main thread in a plain blocking wait, for valgrind).
import Foundation
import HTTPD

public struct BenchArguments: Sendable {
    public var port: Int
    public var fileDirectory: String

    /// Parses `PROGRAM PORT FILE_DIRECTORY`, or exits with a usage message.
    public static func parse(_ arguments: [String] = CommandLine.arguments) -> BenchArguments {
        guard arguments.count >= 3, let port = Int(arguments[1]) else {
            let name = arguments.first.map { ($0 as NSString).lastPathComponent } ?? "bench-httpd"
            FileHandle.standardError.write(Data("usage: \(name) PORT FILE_DIRECTORY\n".utf8))
            exit(2)
        }
        return BenchArguments(port: port, fileDirectory: arguments[2])
    }
}

struct Message: Encodable {
    let message: String
}

/// Starts swift-httpd on 127.0.0.1:`port` with the four endpoints registered.
public func startBenchServer(_ arguments: BenchArguments) async throws -> HTTPServer {
    var settings = HTTPSettings()
    settings.maxRequestBodyLength = 64 << 20
    let address = "127.0.0.1:\(arguments.port)"
    let server: HTTPServer
    // The library's default listen backlog unless BENCH_HTTPD_BACKLOG asks for another, to see its effect.
    if let value = ProcessInfo.processInfo.environment["BENCH_HTTPD_BACKLOG"], let backlog = Int(value) {
        server = try await HTTPServer.start(mux: RecursiveHTTPMux(), backlog: backlog, settings: settings, addresses: [address])
    } else {
        server = try await HTTPServer.start(mux: RecursiveHTTPMux(), settings: settings, addresses: [address])
    }

    try await server.register("/plaintext") { request, response in
        try await response.write(status: 200, headers: [("Content-Type", "text/plain")], body: "Hello, World!")
    }

    try await server.register("/json") { request, response in
        // Encoded per request.
        let body = try JSONEncoder().encode(Message(message: "Hello, World!"))
        try await response.write(status: 200, headers: [("Content-Type", "application/json")], body: [UInt8](body))
    }

    try await server.register("/upload") { request, response in
        let body = try await request.body()
        try await response.write(status: 200, headers: [("Content-Type", "text/plain")], body: String(body?.count ?? 0))
    }

    // swift-httpd's own file serving: the recursive mux routes /file/<name> here, and
    // `response.file` sends it zero-copy with a Content-Length.
    let directory = arguments.fileDirectory
    try await server.register("/file") { request, response in
        let name = request.path.dropFirst("/file/".count)
        guard request.path.hasPrefix("/file/"), !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
            try await response.write(status: 404, headers: [("Content-Type", "text/plain")], body: "Not Found")
            return
        }
        try await response.file(headers: [("Content-Type", "application/octet-stream")], path: directory + "/" + name)
    }
    return server
}
