import HTTPD
import HTTPDTLS

// swift run ExampleHTTPS CERT.pem KEY.pem: HTTPS on 8443, plain HTTP on 8080, the same handlers.
let arguments = CommandLine.arguments
let certificate = TLSCertificateFiles(
    chain: arguments.count > 2 ? arguments[1] : "cert.pem",
    key: arguments.count > 2 ? arguments[2] : "key.pem")

// TLS 1.2 and 1.3, ECDHE with AEAD ciphers, ALPN http/1.1; more certificates chosen by SNI name.
let tls = try HTTPSContext(
    certificate: certificate,
    serverNames: [:]  // e.g. ["api.example.com": TLSCertificateFiles(chain: "api.pem", key: "api-key.pem")]
)

let server = try await HTTPServer.start(listeners: [
    .plain("127.0.0.1:8080"),
    .tls("127.0.0.1:8443", tls),
])

try await server.register("/") { request, response in
    guard request.isSecure else {
        // Plain HTTP: send the client to the HTTPS listener.
        let host = (request.host ?? "127.0.0.1").split(separator: ":").first ?? "127.0.0.1"
        try await response.write(status: 301, headers: [("Location", "https://\(host):8443\(request.url)")])
        return
    }
    try await response.write(status: 200, body: "hello over \(request.scheme), \(request.tlsDetails?.version.map { "\($0)" } ?? "")\n")
}

// Certificates renewed on disk? server.reloadTLS() reads every TLS listener's files again: new
// connections get them, open ones carry on; a bad file throws (naming it) and the old ones stay.
try await server.register("/reload") { _, response in
    do {
        try server.reloadTLS()
        try await response.write(status: 200, body: "reloaded\n")
    } catch {
        try await response.write(status: 500, body: "\(error)\n")
    }
}

await server.wait()
