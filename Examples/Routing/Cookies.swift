import HTTPD
import HTTPDRouting

/// Sets a session cookie on sign-in, reads it back, deletes it on sign-out.
func cookieRoutes(_ router: Router) throws {
    try router.post("/sign-in") { _, response in
        let session = try Cookie(
            name: "session", value: "u42", maxAge: 3600, secure: true, httpOnly: true, sameSite: .lax)
        try await response.write(status: 200, headers: [session.header], body: "signed in\n")
    }
    try router.get("/me") { request, response in
        guard let session = request.cookie("session") else { throw HTTPError(401, "sign in first") }
        try await response.write(status: 200, body: "you are \(session)\n")
    }
    try router.post("/sign-out") { _, response in
        try await response.write(status: 200, headers: [try Cookie.expired(name: "session").header], body: "bye\n")
    }
}
