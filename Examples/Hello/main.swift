import HTTPD

let server = try await HTTPServer.start("127.0.0.1:8080", "[::1]:8080")

try await server.register("/hello") { request, response in
    try await response.write(
        status: 200,
        headers: [("Content-Type", "text/plain; charset=utf-8")],
        body: "hello, \(request.client)\n")
}

try await server.register("/upload") { request, response in
    let body = try await request.body() ?? []       // read on demand, bounded by the settings
    try await response.write(status: 200, body: "\(body.count) bytes\n")
}

try await server.register("/stream") { request, response in
    try await response.begin(status: 200, headers: [("Content-Type", "text/plain")])
    for line in ["one\n", "two\n", "three\n"] {
        try await response.chunk(line)               // chunked for HTTP/1.1, until-close for 1.0
    }
    try await response.end()
}

await server.wait()                                  // until someone calls server.stop()
