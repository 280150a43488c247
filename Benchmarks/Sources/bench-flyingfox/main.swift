// FlyingFox: the benchmark's four endpoints, written the way FlyingFox's README does.
// Usage: bench-flyingfox PORT FILE_DIRECTORY
import FlyingFox
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 3, let port = UInt16(arguments[1]) else {
    print("usage: bench-flyingfox PORT FILE_DIRECTORY")
    exit(2)
}
let fileDirectory = URL(fileURLWithPath: arguments[2], isDirectory: true)

struct Message: Encodable {
    let message: String
}

let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: port), logger: .disabled)

await server.appendRoute("GET /plaintext") { _ in
    HTTPResponse(
        statusCode: .ok,
        headers: [.contentType: "text/plain"],
        body: Data("Hello, World!".utf8)
    )
}
await server.appendRoute("GET /json") { _ in
    HTTPResponse(
        statusCode: .ok,
        headers: [.contentType: "application/json"],
        body: try JSONEncoder().encode(Message(message: "Hello, World!"))
    )
}
await server.appendRoute("POST /upload") { request in
    let body = try await request.bodyData
    return HTTPResponse(
        statusCode: .ok,
        headers: [.contentType: "text/plain"],
        body: Data(String(body.count).utf8)
    )
}
// FlyingFox's own file serving: DirectoryHTTPHandler over the directory, mounted at /file.
await server.appendRoute("GET /file/*", to: DirectoryHTTPHandler(root: fileDirectory, serverPath: "file"))

try await server.run()
