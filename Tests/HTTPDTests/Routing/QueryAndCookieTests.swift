import FoundationEssentials
import HTTPD
import HTTPDRouting
import Testing

@Suite("Query parameters and cookies")
struct QueryAndCookieTests {
    @Test("query parameters convert to the type asked for; a bad or missing one is 400")
    func typedQuery() async throws {
        let router = Router()
        try router.get("/search") { request, response in
            let limit = try request.queryParameter("limit", as: Int.self) ?? 20
            let exact = try request.queryParameter("exact", as: Bool.self) ?? false
            let term = try request.requireQueryParameter("q")
            try await response.write(status: 200, body: "\(term) \(limit) \(exact)")
        }
        try await TestServer.with(mux: router) { test throws in
            #expect(try await test.request("/search?q=a%20b").text == "a b 20 false")
            #expect(try await test.request("/search?q=x&limit=5&exact=true").text == "x 5 true")
            let bad = try await test.request("/search?q=x&limit=many")
            #expect(bad.status == 400)
            #expect(bad.text.contains("query parameter limit must be an integer, got \"many\""))
            let missing = try await test.request("/search")
            #expect(missing.status == 400)
            #expect(missing.text.contains("query parameter q is missing"))
        }
    }

    @Test("cookies are read from every Cookie header, first value winning")
    func readCookies() async throws {
        let router = Router()
        try router.get("/c") { request, response in
            let cookies = request.cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            try await response.write(status: 200, body: cookies.joined(separator: ",") + " " + (request.cookie("b") ?? "-"))
        }
        try await TestServer.with(mux: router) { test throws in
            let response = try await test.request("/c", headers: [("Cookie", "a=1; b=\"two\";c=3"), ("Cookie", "a=ignored; d=")])
            #expect(response.text == "a=1,b=two,c=3,d= two")
            #expect(try await test.request("/c").text == " -")
        }
    }

    @Test("Set-Cookie carries the attributes; deleting expires the cookie")
    func setCookies() async throws {
        let expires = Date(timeIntervalSince1970: 784_111_777)   // Sun, 06 Nov 1994 08:49:37 GMT
        let full = try Cookie(
            name: "session", value: "abc", path: "/app", domain: "example.com", maxAge: 3600, expires: expires,
            secure: true, httpOnly: true, sameSite: .strict)
        #expect(full.description
            == "session=abc; Path=/app; Domain=example.com; Max-Age=3600; Expires=Sun, 06 Nov 1994 08:49:37 GMT; Secure; HttpOnly; SameSite=Strict")
        #expect(try Cookie(name: "a", value: "1").description == "a=1; Path=/")
        #expect(try Cookie.expired(name: "a").description == "a=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
        let router = Router()
        try router.post("/sign-in") { _, response in
            let first = try Cookie(name: "a", value: "1", httpOnly: true, sameSite: .lax)
            let second = try Cookie(name: "b", value: "2", secure: true, sameSite: .noRestriction)
            try await response.write(status: 200, headers: [first.header, second.header], body: "ok")
        }
        try await TestServer.with(mux: router) { test throws in
            let response = try await test.request("/sign-in", method: .POST, body: [])
            #expect(response.headers["Set-Cookie"] == ["a=1; Path=/; HttpOnly; SameSite=Lax", "b=2; Path=/; Secure; SameSite=None"])
        }
    }

    @Test("a cookie a Set-Cookie header cannot carry throws an error saying why")
    func invalidCookies() {
        #expect(throws: RoutingError.self) { try Cookie(name: "", value: "x") }
        #expect(throws: RoutingError.self) { try Cookie(name: "a b", value: "x") }
        #expect(throws: RoutingError.self) { try Cookie(name: "a", value: "x;y") }
        #expect(throws: RoutingError.self) { try Cookie(name: "a", value: "x y") }
        #expect(throws: RoutingError.self) { try Cookie(name: "a", value: "x", path: "/a;b") }
        let error = #expect(throws: RoutingError.self) { try Cookie(name: "a", value: "x", sameSite: .noRestriction) }
        #expect(error?.description == "cookie \"a\": SameSite=None needs secure: true (browsers refuse it otherwise)")
    }
}
