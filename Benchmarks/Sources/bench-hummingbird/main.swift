// Hummingbird 2: the benchmark's four endpoints, written the way Hummingbird's documentation does.
// Usage: bench-hummingbird PORT FILE_DIRECTORY
// With BENCH_TLS_CERT and BENCH_TLS_KEY (PEM files) it serves HTTPS through HummingbirdTLS
// (`.tls(.http1(), tlsConfiguration:)`), TLS 1.2 and 1.3. With BENCH_HTTP2=h2 as well it serves HTTP/2
// by ALPN (HTTP/1.1 otherwise) through HummingbirdHTTP2 (`.http2Upgrade(tlsConfiguration:)`); with
// BENCH_HTTP2=h2c alone, HTTP/2 in clear text by prior knowledge (`.plaintextHTTP2()`).
import Foundation
import Hummingbird
import HummingbirdHTTP2
import HummingbirdTLS
import Logging

let arguments = CommandLine.arguments
guard arguments.count >= 3, let port = Int(arguments[1]) else {
    print("usage: bench-hummingbird PORT FILE_DIRECTORY")
    exit(2)
}
let fileDirectory = arguments[2]

struct Message: ResponseEncodable {
    let message: String
}

var logger = Logger(label: "bench-hummingbird")
logger.logLevel = .error

let router = Router()
router.get("plaintext") { _, _ in
    "Hello, World!"
}
router.get("json") { _, _ in
    // ResponseEncodable: encoded per request with the router's JSONEncoder.
    Message(message: "Hello, World!")
}
router.post("upload") { request, context -> String in
    let body = try await request.body.collect(upTo: 64 << 20)
    return String(body.readableBytes)
}
// The streamed-upload scenario: the body streamed to a file with Hummingbird's FileIO, then removed.
let fileIO = FileIO()
router.post("upload-file") { request, context -> String in
    let path = fileDirectory + "/upload-\(UInt64.random(in: 0...UInt64.max))"
    defer { unlink(path) }
    try await fileIO.writeFile(contents: request.body, path: path, context: context)
    var info = stat()
    stat(path, &info)
    return String(info.st_size)
}
// The router scenario: the same 50 parameterised routes as bench-httpd's (`/api/users/:id` the 26th).
var patterns = (0..<49).map { "/api/r\($0)/:id" }
patterns.insert("/api/users/:id", at: 25)
for pattern in patterns {
    router.get(RouterPath(pattern)) { _, context -> String in
        guard context.parameters.get("id") != nil else { throw HTTPError(.badRequest) }
        return "Hello, World!"
    }
}
// Hummingbird's own file serving: FileMiddleware over the directory, mounted at /file.
router.add(middleware: FileMiddleware(fileDirectory, urlBasePath: "/file", logger: logger))

let configuration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: port), serverName: nil)
let environment = ProcessInfo.processInfo.environment
let http2 = environment["BENCH_HTTP2"] ?? ""
if let certificate = environment["BENCH_TLS_CERT"], let key = environment["BENCH_TLS_KEY"], !certificate.isEmpty {
    var tls = TLSConfiguration.makeServerConfiguration(
        certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
        privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
    tls.minimumTLSVersion = .tlsv12
    if http2 == "h2" {
        let app = Application(
            router: router, server: try .http2Upgrade(tlsConfiguration: tls), configuration: configuration, logger: logger)
        try await app.runService()
    } else {
        let app = Application(
            router: router, server: try .tls(.http1(), tlsConfiguration: tls), configuration: configuration, logger: logger)
        try await app.runService()
    }
} else if http2 == "h2c" {
    let app = Application(router: router, server: .plaintextHTTP2(), configuration: configuration, logger: logger)
    try await app.runService()
} else {
    let app = Application(router: router, configuration: configuration, logger: logger)
    try await app.runService()
}
