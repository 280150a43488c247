import HTTPD
import HTTPDRouting

/// Refuses requests without the right `X-API-Key` header, before the handler runs.
let requireAPIKey = Middleware { request, response, next in
    guard request.header("X-API-Key") == "let-me-in" else {
        throw HTTPError(401, "send X-API-Key", headers: [("WWW-Authenticate", "X-API-Key")])
    }
    try await next(request, response)
}

/// Adds a header to every answer by wrapping the response's work: here, timing the handler.
let timing = Middleware { request, response, next in
    let start = ContinuousClock.now
    try await next(request, response)
    let elapsed = ContinuousClock.now - start
    request.userInfo["elapsed"] = elapsed    // what later middleware (or a test) can read
}

/// Middleware on a router (every route, 404s included), and on a group (its routes only).
func adminRoutes(_ router: Router) throws {
    router.use(timing)
    var admin = router.group("/admin")
    admin.use(requireAPIKey)
    try admin.get("/stats") { _, response in try await response.write(status: 200, json: ["requests": 42]) }
}
