// swift-httpd's WebSocket echo (/ws) and a held-open event stream (/events), for scripts/live.sh and
// scripts/ws-callgrind.sh. Usage: bench-ws-httpd PORT
// The main thread waits in a plain blocking wait (valgrind has crashed on an async main); the server
// starts in a detached task.
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import HTTPD
import HTTPDWebSocket
import Logging

let arguments = CommandLine.arguments
guard arguments.count >= 2, let port = Int(arguments[1]) else {
    print("usage: bench-ws-httpd PORT")
    exit(2)
}

func startServer(port: Int) async throws -> HTTPServer {
    var logger = Logger(label: "bench-ws-httpd")
    logger.logLevel = .error
    var settings = HTTPSettings.referenceDefaults
    settings.responseTimeout = .seconds(3600)  // event streams held for the whole measurement
    let server = try await HTTPServer.start(settings: settings, logger: logger, addresses: ["127.0.0.1:\(port)"])
    try await server.register("/ws") { request, response in
        try await response.webSocket(request) { ws in
            for try await message in ws.messages { try await ws.send(message) }
        }
    }
    try await server.register("/events") { _, response in
        try await response.eventStream { events in
            try await events.send(data: "open")
            try await Task.sleep(for: .seconds(3600))
        }
    }
    return server
}

let started = DispatchSemaphore(value: 0)
Task.detached {
    do {
        let server = try await startServer(port: port)
        started.signal()
        await server.wait()
    } catch {
        print("bench-ws-httpd: \(error)")
        exit(1)
    }
    exit(0)
}
started.wait()
DispatchSemaphore(value: 0).wait()  // until the process is signalled
