import AsyncHTTPClient
import NIOCore
import NIOConcurrencyHelpers

/// A value shared between a handler and the test that checks it.
final class Box<Value: Sendable>: Sendable {
    private let value: NIOLockedValueBox<Value>
    init(_ value: Value) { self.value = NIOLockedValueBox(value) }
    func get() -> Value { value.withLockedValue { $0 } }
    func set(_ newValue: Value) { value.withLockedValue { $0 = newValue } }
    func update(_ change: (inout Value) -> Void) { value.withLockedValue { change(&$0) } }
}

/// A one-shot signal: `wait()` returns once `open()` was called.
final class AsyncGate: Sendable {
    private let state = NIOLockedValueBox<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }
}

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
    while (try? await RawClient.connect(port: port)) != nil {
        try await Task.sleep(for: .milliseconds(20))
    }
    try await Task.sleep(for: .milliseconds(200))
}
