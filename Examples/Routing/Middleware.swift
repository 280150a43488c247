import HTTPD
import HTTPDRouting

/// Refuses requests without the right `X-API-Key` header, before the handler runs.
let requireAPIKey = Middleware { request, response, next in
    guard request.header("X-API-Key") == "let-me-in" else {
        throw HTTPError(401, "send X-API-Key", headers: [("WWW-Authenticate", "X-API-Key")])
    }
    try await next(request, response)
}

/// Times what runs inside it, and leaves the time in `request.userInfo` for the middleware outside it.
let timing = Middleware { request, response, next in
    let start = ContinuousClock.now
    try await next(request, response)
    request.userInfo["elapsed"] = ContinuousClock.now - start
}

/// Middleware on a router (every route, 404s included), and on a group (its routes only).
func adminRoutes(_ router: Router) throws {
    router.use(timing)
    var admin = router.group("/admin")
    admin.use(requireAPIKey)
    try admin.get("/stats") { _, response in try await response.write(status: 200, json: ["requests": 42]) }
}
