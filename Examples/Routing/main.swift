import HTTPD

// swift run ExampleRouting: the site on http://127.0.0.1:8080/, the admin routes on http://admin.localhost:8080/
let server = try await HTTPServer.start(mux: try virtualHosts(), observers: [HTTPAccessLog()], addresses: ["127.0.0.1:8080"])
await server.wait()
