// The router scenario: 50 routes with a path parameter, one of which (`/api/users/:id`, in the
// middle) is requested as /api/users/42. bench-hummingbird registers the same 50 patterns.
import HTTPD
import HTTPDRouting

public enum RouterRoutes {
    /// The 50 patterns: `/api/r0/:id` … `/api/r48/:id`, with `/api/users/:id` as the 26th.
    public static let patterns: [String] = {
        var patterns = (0..<49).map { "/api/r\($0)/:id" }
        patterns.insert("/api/users/:id", at: 25)
        return patterns
    }()

    /// The path the scenario requests.
    public static let requestPath = "/api/users/42"

    /// A `Router` with the 50 routes (each reads its `id`) and /plaintext, /json, /upload.
    static func router() throws -> Router {
        let router = Router()
        for pattern in patterns {
            try router.get(pattern) { request, response in
                guard request.parameters["id"] != nil else { throw HTTPError(400) }
                try await response.write(status: 200, headers: [("Content-Type", "text/plain")], body: "Hello, World!")
            }
        }
        try router.get("/plaintext") { _, response in
            try await response.write(status: 200, headers: [("Content-Type", "text/plain")], body: "Hello, World!")
        }
        return router
    }

    /// A `DefaultHTTPMux` with the 50 paths, `:id` fixed to 42, and /plaintext.
    static func defaultMux() -> DefaultHTTPMux {
        let mux = DefaultHTTPMux()
        let hello: HTTPHandler = { _, response in
            try await response.write(status: 200, headers: [("Content-Type", "text/plain")], body: "Hello, World!")
        }
        for pattern in patterns {
            mux.putHandler(host: nil, path: pattern.replacingColonID(), handler: hello)
        }
        mux.putHandler(host: nil, path: "/plaintext", handler: hello)
        return mux
    }
}

extension String {
    /// `/api/users/:id` → `/api/users/42`.
    fileprivate func replacingColonID() -> String {
        String(dropLast(3)) + "42"
    }
}
