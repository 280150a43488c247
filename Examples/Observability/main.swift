import HTTPD
import Logging

// swift run ExampleObservability: http://127.0.0.1:8080/hello, one JSON access line per answer on
// standard output (the server's own 400s, 408s and 413s included), slow requests on standard error.
LoggingSystem.bootstrap { label -> any LogHandler in
    label == HTTPAccessLog.label ? AccessLogHandler() : StreamLogHandler.standardError(label: label)
}

/// Warns about answers that took over a second: an observer sees every exchange once it is over.
struct SlowRequests: HTTPServerObserver {
    let logger = Logger(label: "slow-requests")

    func exchangeCompleted(_ record: HTTPExchangeRecord) {
        guard record.duration > .seconds(1) else { return }
        logger.warning("\(record.request?.target ?? "-") took \(record.duration)", metadata: HTTPAccessLog.metadata(record))
    }
}

let server = try await HTTPServer.start(
    observers: [HTTPAccessLog(format: .json), SlowRequests()], addresses: ["127.0.0.1:8080"])
try await server.register("/hello") { _, response in
    try await response.write(status: 200, body: "hello\n")
}
await server.wait()
