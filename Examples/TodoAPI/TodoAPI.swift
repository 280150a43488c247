import HTTPD
import HTTPDRouting
import Synchronization

struct Todo: Codable, Sendable {
    var id: Int
    var title: String
    var done: Bool
}

/// What POST and PUT take.
struct TodoInput: Codable, Sendable {
    var title: String
    var done: Bool?
}

/// The todos, in memory.
final class TodoStore: Sendable {
    private let state = Mutex((next: 1, todos: [Int: Todo]()))

    func all() -> [Todo] { state.withLock { $0.todos.values.sorted { $0.id < $1.id } } }
    func get(_ id: Int) -> Todo? { state.withLock { $0.todos[id] } }
    func remove(_ id: Int) -> Todo? { state.withLock { $0.todos.removeValue(forKey: id) } }
    func add(_ input: TodoInput) -> Todo {
        state.withLock { state in
            let todo = Todo(id: state.next, title: input.title, done: input.done ?? false)
            state.todos[todo.id] = todo
            state.next += 1
            return todo
        }
    }
    func update(_ id: Int, _ input: TodoInput) -> Todo? {
        state.withLock { state in
            guard let old = state.todos[id] else { return nil }
            state.todos[id] = Todo(id: id, title: input.title, done: input.done ?? old.done)
            return state.todos[id]
        }
    }
}

/// The todo API at /todos (JSON), and the files of `publicFolder` at every other path.
func todoAPI(publicFolder: String, store: TodoStore = TodoStore()) throws -> Router {
    let router = Router(errors: .json)
    let todos = router.group("/todos")
    try todos.get("") { request, response in
        let limit = try request.queryParameter("limit", as: Int.self) ?? 100
        try await response.write(status: 200, json: Array(store.all().prefix(limit)))
    }
    try todos.get(":id") { request, response in
        let id = try request.parameters.require("id", as: Int.self)
        guard let todo = store.get(id) else { throw HTTPError(404, "no todo \(id)") }
        try await response.write(status: 200, json: todo)
    }
    try todos.post("") { request, response in
        let todo = store.add(try await request.decode(TodoInput.self))
        try await response.write(status: 201, headers: [("Location", "/todos/\(todo.id)")], json: todo)
    }
    try todos.put(":id") { request, response in
        let id = try request.parameters.require("id", as: Int.self)
        guard let todo = store.update(id, try await request.decode(TodoInput.self)) else { throw HTTPError(404, "no todo \(id)") }
        try await response.write(status: 200, json: todo)
    }
    try todos.delete(":id") { request, response in
        let id = try request.parameters.require("id", as: Int.self)
        guard store.remove(id) != nil else { throw HTTPError(404, "no todo \(id)") }
        try await response.write(status: 204)
    }
    try router.get("/**", FileServer(root: publicFolder, mountedAt: "").handler)
    return router
}
