import HTTPD

let server = try await HTTPServer.start(mux: RecursiveHTTPMux(), addresses: ["127.0.0.1:8080"])
let files = FileServer(root: "./public", mountedAt: "/static",
                       options: FileServer.Options(listDirectories: true))
try await server.register("/static", handler: files.handler)
// GET /static/css/site.css → ./public/css/site.css
await server.wait()
