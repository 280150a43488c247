import HTTPD
import HTTPDRouting

/// Routes by method and pattern: parameters, the rest of a path, query values, a group.
func siteRoutes(_ router: Router) throws {
    try router.get("/hello/:name") { request, response in
        let name = try request.parameters.require("name")             // percent-decoded: /hello/J%C3%BCrgen → Jürgen
        let times = try request.queryParameter("times", as: Int.self) ?? 1   // ?times=abc → 400
        try await response.write(status: 200, body: String(repeating: "hello, \(name)\n", count: max(0, min(times, 10))))
    }
    try router.get("/files/**") { request, response in
        try await response.write(status: 200, body: "file \(request.parameters["**"]!)\n")   // /files/a/b.txt → a/b.txt
    }
    let v1 = router.group("/api/v1")
    try v1.get("/users/:id") { request, response in
        let id = try request.parameters.require("id", as: Int.self)     // /api/v1/users/x → 400
        try await response.write(status: 200, json: ["id": id])
    }
    try v1.delete("/users/:id") { _, response in try await response.write(status: 204) }
}
