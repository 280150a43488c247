import FoundationEssentials
import HTTPD
import HTTPDRouting
import Testing

@testable import ExampleRouting
@testable import ExampleTodoAPI

@Suite("The examples")
struct ExampleTests {
    /// A folder with an `index.html`, removed after `body`.
    static func withPublicFolder(_ body: (String) async throws -> Void) async throws {
        let folder = "/tmp/swift-httpd-example-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("<h1>todos</h1>\n".utf8).write(to: URL(fileURLWithPath: folder + "/index.html"))
        try await body(folder)
    }

    @Test("the todo API: create, list, get, update, delete, errors as JSON, the static folder")
    func todoAPI() async throws {
        try await Self.withPublicFolder { folder in
            try await TestServer.with(mux: try ExampleTodoAPI.todoAPI(publicFolder: folder)) { test throws in
                let json = [("Content-Type", "application/json")]
                let created = try await test.request("/todos", method: .POST, headers: json, body: Array(#"{"title":"write tests"}"#.utf8))
                #expect(created.status == 201)
                #expect(created.headers["Location"] == ["/todos/1"])
                #expect(created.text == #"{"done":false,"id":1,"title":"write tests"}"# || created.text.contains(#""title":"write tests""#))
                _ = try await test.request("/todos", method: .POST, headers: json, body: Array(#"{"title":"ship","done":true}"#.utf8))
                let list = try JSONDecoder().decode([Todo].self, from: Data(try await test.request("/todos").body))
                #expect(list.map(\.title) == ["write tests", "ship"])
                let limited = try JSONDecoder().decode([Todo].self, from: Data(try await test.request("/todos?limit=1").body))
                #expect(limited.count == 1)
                let one = try JSONDecoder().decode(Todo.self, from: Data(try await test.request("/todos/2").body))
                #expect(one.title == "ship" && one.done)
                let updated = try await test.request("/todos/1", method: .PUT, headers: json, body: Array(#"{"title":"write more tests","done":true}"#.utf8))
                #expect(updated.status == 200)
                #expect(try JSONDecoder().decode(Todo.self, from: Data(updated.body)).title == "write more tests")
                #expect(try await test.request("/todos/1", method: .DELETE).status == 204)
                let gone = try await test.request("/todos/1")
                #expect(gone.status == 404)
                #expect(gone.text.contains(#""message":"no todo 1""#))
                #expect(try await test.request("/todos/x").status == 400)
                #expect(try await test.request("/todos", method: .POST, headers: json, body: Array("{".utf8)).status == 400)
                #expect(try await test.request("/todos", method: .POST, body: Array("title=x".utf8)).status == 415)
                let patch = try await test.request("/todos/2", method: .PATCH, body: [])
                #expect(patch.status == 405)
                #expect(patch.headers["Allow"] == ["DELETE, GET, HEAD, OPTIONS, PUT"])
                let index = try await test.request("/")
                #expect(index.status == 200)
                #expect(index.text == "<h1>todos</h1>\n")
                #expect(index.headers["Content-Type"] == ["text/html; charset=utf-8"])
                #expect(try await test.request("/missing.html").status == 404)
            }
        }
    }

    @Test("the routing example: parameters, groups, cookies, middleware and virtual hosts")
    func routingExample() async throws {
        try await TestServer.with(mux: try ExampleRouting.virtualHosts()) { test throws in
            #expect(try await test.request("/hello/J%C3%BCrgen?times=2").text == "hello, Jürgen\nhello, Jürgen\n")
            #expect(try await test.request("/hello/x?times=abc").status == 400)
            #expect(try await test.request("/files/a/b.txt").text == "file a/b.txt\n")
            #expect(try await test.request("/api/v1/users/3").text == #"{"id":3}"#)
            #expect(try await test.request("/api/v1/users/3", method: .DELETE).status == 204)
            let signIn = try await test.request("/sign-in", method: .POST, body: [])
            #expect(signIn.headers["Set-Cookie"] == ["session=u42; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax"])
            #expect(try await test.request("/me", headers: [("Cookie", "session=u42")]).text == "you are u42\n")
            #expect(try await test.request("/me").status == 401)
            // The admin host: its own router, behind the API-key middleware.
            #expect(try await Self.get(test, "/admin/stats", host: "admin.localhost:8080", key: nil) == 401)
            #expect(try await Self.get(test, "/admin/stats", host: "admin.localhost", key: "let-me-in") == 200)
            #expect(try await Self.get(test, "/admin/stats", host: "127.0.0.1", key: "let-me-in") == 404)
            #expect(try await Self.get(test, "/hello/a", host: "admin.localhost", key: nil) == 404)
        }
    }

    /// The status of `GET path` sent with `Host: host` and, if given, `X-API-Key: key`.
    static func get(_ test: TestServer, _ path: String, host: String, key: String?) async throws -> Int {
        let client = try await test.connect()
        let keyLine = key.map { "X-API-Key: \($0)\r\n" } ?? ""
        try await client.send("GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\(keyLine)Connection: close\r\n\r\n")
        return try #require(try await client.readResponse()).status
    }
}
