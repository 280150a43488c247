import HTTPD
import HTTPDHTTP2
import HTTPDTLS

// swift run ExampleHTTP2 CERT.pem KEY.pem: HTTP/2 or HTTP/1.1 over TLS on 8443 (ALPN decides), and
// in clear text on 8080 h2c for clients that open with HTTP/2's preface, HTTP/1.1 for the others.
let arguments = CommandLine.arguments
let tls = try HTTPSContext(
    certificate: TLSCertificateFiles(
        chain: arguments.count > 2 ? arguments[1] : "cert.pem",
        key: arguments.count > 2 ? arguments[2] : "key.pem"))

let server = try await HTTPServer.start(listeners: [
    .http2("127.0.0.1:8443", tls: tls),
    .h2c("127.0.0.1:8080", options: try HTTP2Options(maxConcurrentStreams: 100, windowSize: 65_535)),
])

// The same handlers, muxes and settings over either protocol; request.proto says which one.
try await server.register("/") { request, response in
    try await response.write(status: 200, body: "hello over \(request.proto)\n")
}

await server.wait()
