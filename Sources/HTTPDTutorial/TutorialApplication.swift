import HTTPD
import HTTPDRouting

/// The reference's tutorial application: `/`, `/echo`, `/headers`, `/self`, and a not-found page; and
/// the live demo's `/ws`, `/events` and `/live` (`LiveDemo`); beyond the reference, `POST /upload` (a
/// streamed body, stored and hashed).
public enum TutorialApplication {
    /// The multiplexer to start the server with: exact paths, and the not-found page for the rest.
    public static func mux() -> any HTTPMux {
        DefaultHTTPMux(default: notFound)
    }

    /// The tutorial's paths and their handlers; `/upload` takes bodies of up to `maxUpload` bytes.
    static func routes(maxUpload: Int) -> [(path: String, handler: HTTPHandler)] {
        [("/", hello), ("/echo", echo), ("/headers", headers), ("/self", ownSource), ("/upload", upload(maxBytes: maxUpload))]
            + LiveDemo.routes
    }

    /// Registers the tutorial's handlers on `server` (`/upload` takes up to `maxUpload` bytes).
    public static func register(on server: HTTPServer, maxUpload: Int = defaultMaxUpload) async throws {
        for route in routes(maxUpload: maxUpload) { try await server.register(route.path, handler: route.handler) }
    }

    /// Registers the tutorial's handlers on `mux` before a server starts with it, so that no request
    /// (a replacement process's first, in a rolling restart) meets the mux without them.
    public static func register(on mux: any HTTPMux, maxUpload: Int = defaultMaxUpload) throws {
        for route in routes(maxUpload: maxUpload) { try mux.putHandler(host: nil, path: route.path, handler: route.handler) }
    }

    /// Anything else: 404 with a one-line message.
    public static let notFound: HTTPHandler = { request, response in
        try await response.write(
            status: 404, headers: [("Content-Type", "text/plain; charset=utf-8")], body: "not found: \(request.path)\n")
    }

    /// `/`: greets the client by address.
    static let hello: HTTPHandler = { request, response in
        try await response.write(
            status: 200, headers: [("Content-Type", "text/plain; charset=utf-8")], body: "hello, \(request.client)\n")
    }

    /// `/echo`: the request body back, with the request's `Content-Type`.
    static let echo: HTTPHandler = { request, response in
        let body = try await request.body() ?? []
        var headers: [(name: String, value: String)] = []
        if let type = request.header("Content-Type") { headers.append(("Content-Type", type)) }
        try await response.write(status: 200, headers: headers, body: body)
    }

    /// `/headers`: the request headers, one `Name: value` line each, chunked; `/headers?json` as a JSON object.
    static let headers: HTTPHandler = { request, response in
        if request.params == "json" {
            let members = request.headers.map { "\(JSONText.quoted($0.name)):\(JSONText.quoted($0.value))" }
            try await response.write(
                status: 200, headers: [("Content-Type", "application/json")],
                body: "{" + members.joined(separator: ",") + "}\n")
            return
        }
        try await response.begin(status: 200, headers: [("Content-Type", "text/plain; charset=utf-8")])
        for (name, value) in request.headers {
            try await response.chunk("\(name): \(value)\n")
        }
        try await response.end()
    }

    /// `/self`: the application's own source file.
    static let ownSource: HTTPHandler = { _, response in
        try await response.file(headers: [("Content-Type", "text/plain; charset=utf-8")], path: #filePath)
    }
}
