import AsyncHTTPClient
import NIOCore
import NIOConcurrencyHelpers
import Testing

/// A value shared between a handler and the test that checks it (the conformance suite's `Locked`).
typealias Box<Value: Sendable> = Locked<Value>

/// A one-shot signal (the conformance suite's `Gate`).
typealias AsyncGate = Gate

/// Requests to a full URL, for servers that are not a `TestServer`.
enum ClientRequest {
    static func get(_ url: String) async throws -> ClientResponse {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return ClientResponse(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
    }
}

/// Waits until nothing listens on 127.0.0.1:`port` any more (a stopping server closed its listener),
/// plus a moment for the stop to reach the open connections.
func waitUntilNotListening(port: Int) async throws {
    let stopped = await eventually(within: .seconds(20)) { (try? await RawClient.connect(port: port)) == nil }
    #expect(stopped, "127.0.0.1:\(port) still accepts connections")
    try await Task.sleep(for: .milliseconds(200))
}
