import HTTPD

let server = try await HTTPServer.start("127.0.0.1:8080")

try await server.register("/countdown") { request, response in
    let from = Int(request.lastEventID ?? "") ?? 10              // a reconnecting browser resumes
    try await response.eventStream(heartbeat: .seconds(15)) { events in
        for left in stride(from: from - 1, through: 0, by: -1) {
            try await events.send(data: "\(left) to go", event: "tick", id: "\(left)")   // flushed at once
            try await Task.sleep(for: .seconds(1))
        }
        try await events.send(data: "liftoff\nall systems go", event: "done")   // two data: lines
    }                                                            // a client that left: send throws, loop ends
}

await server.wait()
