/// The answers the server gives itself, before or instead of the multiplexer's handlers.
enum BuiltInHandlers {
    /// The handler for `request`: `OPTIONS *`, `TRACE`, the multiplexer's choice for the request's host
    /// (`HTTPRequest.host`: an absolute-form target's authority, else `Host`), or 404.
    ///
    /// `*` reaches here only with `OPTIONS`: the head check refuses it with any other method.
    ///
    /// A request with `Upgrade` is served as if it had none (RFC 9110 §7.8: a server may ignore it); its
    /// connection closes after the response (see `HTTPConnection.begin`).
    static func handler(for request: HTTPRequest, mux: any HTTPMux, settings: HTTPSettings) -> HTTPHandler {
        if request.url == "*" {
            return request.method == "OPTIONS" ? optionsAsterisk : notFound
        }
        if request.method == "TRACE" {
            return settings.traceEnabled ? trace : traceDisabled
        }
        // Not `?? notFound`: a closure through a generic operator comes back wrapped in conversion thunks.
        if let handler = mux.handler(host: request.host, path: request.path) { return handler }
        return notFound
    }

    /// `OPTIONS *`: 200 with an empty body, as the reference answers.
    static let optionsAsterisk: HTTPHandler = { _, response in
        try await response.write(status: 200)
    }

    /// No handler for the path and no default: 404 with an empty body.
    static let notFound: HTTPHandler = { _, response in
        try await response.write(status: 404)
    }

    /// `TRACE` while tracing is off: 405, since echoing a request leaks its credentials.
    static let traceDisabled: HTTPHandler = { _, response in
        try await response.write(status: 405, headers: [("Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH")])
    }

    /// `TRACE` when enabled: the request head echoed back as `message/http`, without the fields that
    /// carry credentials (`Authorization`, `Proxy-Authorization`, `Cookie`: RFC 9110 §9.3.8).
    static let trace: HTTPHandler = { request, response in
        var echo = "\(request.method) \(request.url) \(request.proto)\r\n"
        for (name, value) in request.headers where !isCredential(name) {
            echo += "\(name): \(value)\r\n"
        }
        echo += "\r\n"
        try await response.write(status: 200, headers: [("Content-Type", "message/http")], body: echo)
    }

    /// Whether a field (its name title-cased, as `HTTPRequest.headers` gives it) carries credentials.
    static func isCredential(_ name: String) -> Bool {
        name == "Authorization" || name == "Proxy-Authorization" || name == "Cookie"
    }
}
