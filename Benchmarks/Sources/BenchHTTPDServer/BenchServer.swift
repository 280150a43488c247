// swift-httpd: the benchmark's four endpoints, written the way the library's documentation does.
// Shared by `bench-httpd` (the benchmarked binary, async main) and `bench-httpd-callgrind`
// (the same server with the main thread in a plain blocking wait, for valgrind).
// FoundationEssentials (JSONEncoder) rather than Foundation, as Hummingbird does where it can: the
// library itself needs no Foundation, and all of Foundation would add its ICU data to the RSS.
import FoundationEssentials
import Glibc
import HTTPD
import HTTPDHTTP2
import HTTPDTLS

public struct BenchArguments: Sendable {
    public var port: Int
    public var fileDirectory: String

    /// Parses `PROGRAM PORT FILE_DIRECTORY`, or exits with a usage message.
    public static func parse(_ arguments: [String] = CommandLine.arguments) -> BenchArguments {
        guard arguments.count >= 3, let port = Int(arguments[1]) else {
            let name = arguments.first?.split(separator: "/").last.map(String.init) ?? "bench-httpd"
            printError("usage: \(name) PORT FILE_DIRECTORY")
            exit(2)
        }
        return BenchArguments(port: port, fileDirectory: arguments[2])
    }
}

/// Writes `message` and a newline to standard error.
public func printError(_ message: String) {
    let line = message + "\n"
    _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
}

struct Message: Encodable {
    let message: String
}

/// Starts swift-httpd on 127.0.0.1:`port` with the four endpoints registered: over HTTPS when
/// `BENCH_TLS_CERT` and `BENCH_TLS_KEY` name PEM files (HTTPDTLS's defaults: TLS 1.2/1.3, ECDHE with
/// AEAD ciphers, ALPN http/1.1; files read in chunks, no `sendfile`), else plain HTTP.
///
/// `BENCH_HTTP2=h2` (with the certificate) listens with `.http2` instead: HTTP/2 to clients offering h2
/// by ALPN, HTTP/1.1 to the others. `BENCH_HTTP2=h2c` (without it) listens with `.h2c`: HTTP/2 in clear
/// text to clients that open with its preface, HTTP/1.1 to the others.
///
/// `BENCH_HTTPD_MUX=router` serves them through HTTPDRouting's `Router` instead, with the router
/// scenario's 50 parameterised routes (`RouterRoutes`); `BENCH_HTTPD_MUX=default` through a
/// `DefaultHTTPMux` with the same 50 paths, their parameter fixed (the baseline the router is held to).
public func startBenchServer(_ arguments: BenchArguments) async throws -> HTTPServer {
    var settings = HTTPSettings()
    settings.maxRequestBodyLength = 64 << 20
    let address = "127.0.0.1:\(arguments.port)"
    let environment = ProcessInfo.processInfo.environment
    let http2 = environment["BENCH_HTTP2"] ?? ""
    var listeners = [http2 == "h2c" ? HTTPListener.h2c(address) : HTTPListener.plain(address)]
    if let certificate = environment["BENCH_TLS_CERT"], let key = environment["BENCH_TLS_KEY"], !certificate.isEmpty {
        let tls = try HTTPSContext(certificate: TLSCertificateFiles(chain: certificate, key: key))
        listeners = [http2 == "h2" ? .http2(address, tls: tls) : .tls(address, tls)]
    }
    switch environment["BENCH_HTTPD_MUX"] {
    case "router":
        return try await HTTPServer.start(mux: try RouterRoutes.router(), settings: settings, listeners: listeners)
    case "default":
        return try await HTTPServer.start(mux: RouterRoutes.defaultMux(), settings: settings, listeners: listeners)
    default:
        break
    }
    let server: HTTPServer
    // The library's default listen backlog unless BENCH_HTTPD_BACKLOG asks for another, to see its effect.
    if let value = environment["BENCH_HTTPD_BACKLOG"], let backlog = Int(value) {
        server = try await HTTPServer.start(mux: RecursiveHTTPMux(), backlog: backlog, settings: settings, listeners: listeners)
    } else {
        server = try await HTTPServer.start(mux: RecursiveHTTPMux(), settings: settings, listeners: listeners)
    }

    try await server.register("/plaintext") { request, response in
        try await response.write(status: 200, headers: [("Content-Type", "text/plain")], body: "Hello, World!")
    }

    // One encoder for the server, as Hummingbird's router and Vapor keep theirs; the message is
    // encoded per request.
    let encoder = JSONEncoder()
    try await server.register("/json") { request, response in
        let body = try encoder.encode(Message(message: "Hello, World!"))
        try await response.write(status: 200, headers: [("Content-Type", "application/json")], body: [UInt8](body))
    }

    try await server.register("/upload") { request, response in
        let body = try await request.body()
        try await response.write(status: 200, headers: [("Content-Type", "text/plain")], body: String(body?.count ?? 0))
    }

    // The streamed-upload scenario: the body goes to a file as it arrives (any size), then the file
    // is removed; the answer is its length.
    try await server.register("/upload-file") { request, response in
        try request.setMaxBodyLength(1 << 40)
        let path = arguments.fileDirectory + "/upload-\(UInt64.random(in: 0...UInt64.max))"
        defer { unlink(path) }
        let written = try await request.writeBody(toFile: path)
        try await response.write(status: 200, headers: [("Content-Type", "text/plain")], body: String(written))
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
