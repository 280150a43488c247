import HTTPD

// Every route keeps the server's 1 MiB body limit, except those that raise their own.
let server = try await HTTPServer.start("127.0.0.1:8080")

try await server.register("/upload") { request, response in
    try request.setMaxBodyLength(10 << 30)          // this route takes up to 10 GiB
    let path = "/tmp/upload-\(UInt64.random(in: 0...UInt64.max))"
    let bytes = try await request.writeBody(toFile: path)  // streamed; writes on NIO's thread pool
    try await response.write(status: 201, body: "stored \(bytes) bytes at \(path)\n")
}

try await server.register("/count") { request, response in
    try request.setMaxBodyLength(1 << 30)
    var bytes = 0
    var lines = 0
    for try await chunk in request.bodyChunks {      // chunks as they arrive; the client waits
        bytes += chunk.readableBytes                 // while the handler does not take them
        lines += chunk.readableBytesView.lazy.filter { $0 == UInt8(ascii: "\n") }.count
    }
    try await response.write(status: 200, body: "\(bytes) bytes, \(lines) lines\n")
}

try await server.register("/report") { request, response in
    // A client that leaves cancels the handler's task: the sleep throws CancellationError.
    try await Task.sleep(for: .seconds(5))
    try await response.write(status: 200, body: "report ready (client still there: \(request.isClientConnected))\n")
}

await server.wait()
