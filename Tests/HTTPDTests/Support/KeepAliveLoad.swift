/// Keep-alive clients, as wrk and load balancers are, sending `GET /` to 127.0.0.1:`port` until
/// `stop()`: a connection the server closes after an answer (`Connection: close`) is replaced by a new
/// one; a request without a whole answer is a failure. Answers are counted by "status body".
final class KeepAliveLoad: Sendable {
    /// How many of each answer arrived, by "status body" (`"200 old"`).
    let answers = Locked<[String: Int]>([:])
    /// Requests that got no whole answer.
    let failures = Locked(0)
    /// What each failure was.
    let errors = Locked<[String]>([])
    private let running = Locked(true)
    private let clients = Locked<[Task<Void, Never>]>([])

    init(port: Int, clients count: Int) {
        let (answers, failures, errors, running) = (answers, failures, errors, running)
        clients.set(
            (0..<count).map { _ in
                Task {
                    var client: RawClient?
                    while running.get() {
                        do {
                            if client == nil { client = try await RawClient.connect(port: port) }
                            try await client!.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
                            guard let response = try await client!.readResponse() else { throw RawClientError.truncated }
                            answers.update { $0["\(response.status) \(String(decoding: response.body, as: UTF8.self))", default: 0] += 1 }
                            if response.header("Connection")?.lowercased() == "close" { client = nil }
                        } catch {
                            errors.update { $0.append("\(error)") }
                            failures.update { $0 += 1 }
                            client = nil
                        }
                    }
                }
            })
    }

    /// How many times `answer` ("status body") arrived.
    func count(_ answer: String) -> Int { answers.get()[answer] ?? 0 }

    /// All answers, whatever they were.
    var answered: Int { answers.get().values.reduce(0, +) }

    /// Stops the clients and waits for them.
    func stop() async {
        running.set(false)
        for client in clients.get() { await client.value }
    }
}
