import HTTPD

// swift run ExampleTodoAPI [PUBLIC_FOLDER]: the todo API on http://127.0.0.1:8080/todos
let folder = CommandLine.arguments.dropFirst().first ?? "."
let server = try await HTTPServer.start(
    mux: try todoAPI(publicFolder: folder), observers: [HTTPAccessLog()], addresses: ["127.0.0.1:8080"])
print("Serving the todo API on http://127.0.0.1:8080/todos and \(folder) at /")
await server.wait()
