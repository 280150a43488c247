import Dispatch
@testable import HTTPD
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A value shared between threads behind a pthread mutex. (Not `Synchronization.Mutex`, which
/// ThreadSanitizer cannot see through on Linux: every access would be reported as a race.)
final class Locked<Value: Sendable>: @unchecked Sendable {
    private var value: Value
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func get() -> Value { withLock { $0 } }
    func set(_ newValue: Value) { withLock { $0 = newValue } }
    func update(_ change: (inout Value) -> Void) { withLock { change(&$0) } }

    private func withLock<T>(_ body: (inout Value) -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&value)
    }
}

/// A one-shot signal: `wait()` returns once `open()` was called (on `Locked`, for ThreadSanitizer).
final class Gate: Sendable {
    private let state = Locked<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        var waiters: [CheckedContinuation<Void, Never>] = []
        state.update { state in
            state.open = true
            waiters = state.waiters
            state.waiters = []
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            var ready = false
            state.update { state in
                if state.open { ready = true } else { state.waiters.append(continuation) }
            }
            if ready { continuation.resume() }
        }
    }
}

/// Whether this process runs under ThreadSanitizer (which changes memory use and timing).
let underThreadSanitizer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__tsan_init") != nil

/// The handlers every conformance server has: `/` answers without reading the body, `/echo` reads it
/// and sends it back, `/after` counts the requests that reach it (so a test can tell whether a request
/// sent after a bad one was served).
struct ConformanceRoutes {
    let afterCount = Locked(0)

    var routes: [String: HTTPHandler] {
        let afterCount = afterCount
        return [
            "/": { request, response in try await response.write(status: 200, body: "hello \(request.path)") },
            "/echo": { request, response in
                try await response.write(status: 200, body: try await request.body() ?? Array("nil".utf8))
            },
            "/after": { _, response in
                afterCount.update { $0 += 1 }
                try await response.write(status: 200, body: "after")
            },
        ]
    }
}

/// A well-formed request for `/after`, sent behind a bad one: it must never be answered.
let afterRequest = "GET /after HTTP/1.1\r\nHost: a\r\n\r\n"

/// Sends `request` and then `afterRequest` on one connection, and checks what every row of the
/// conformance suite needs: the status is one of `statuses`, the response says `Connection: close`, the
/// server closes with nothing more sent (the request behind the bad one is not answered, nor run), and a
/// fresh connection is then served normally. Over plain TCP unless `transport` says otherwise.
func expectRejected(
    _ request: [UInt8], with statuses: Set<Int>, settings: HTTPSettings = testSettings(),
    over transport: TestTransport = .plain, sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let routes = ConformanceRoutes()
    try await TestServer.with(transport: transport, settings: settings, routes: routes.routes) { test throws in
        let client = try await test.connect()
        try await client.send(request + Array(afterRequest.utf8))
        let response = try #require(try await client.readResponse(), "no response", sourceLocation: sourceLocation)
        #expect(statuses.contains(response.status), "got \(response.statusLine)", sourceLocation: sourceLocation)
        #expect(response.header("Connection") == "close", sourceLocation: sourceLocation)
        #expect(try await client.readUntilClose() == "", "something was sent after the error", sourceLocation: sourceLocation)
        #expect(routes.afterCount.get() == 0, "the request after the bad one was served", sourceLocation: sourceLocation)
        try await expectFreshConnectionServed(test, routes: routes, sourceLocation: sourceLocation)
    }
}

func expectRejected(
    _ request: String, with statuses: Set<Int>, settings: HTTPSettings = testSettings(),
    over transport: TestTransport = .plain, sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    try await expectRejected(
        Array(request.utf8), with: statuses, settings: settings, over: transport, sourceLocation: sourceLocation)
}

/// A new connection to `test` gets a normal answer.
func expectFreshConnectionServed(
    _ test: TestServer, routes: ConformanceRoutes, sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let before = routes.afterCount.get()
    let fresh = try await RawClient.connect(port: test.port, sending: afterRequest)
    let response = try await fresh.readResponse()
    #expect(response?.status == 200, sourceLocation: sourceLocation)
    #expect(response?.text == "after", sourceLocation: sourceLocation)
    #expect(routes.afterCount.get() == before + 1, sourceLocation: sourceLocation)
}

/// Polls `condition` every 20 ms until it holds or `limit` passes; whether it held. A bound for waiting
/// on the server, never a measurement.
func eventually(within limit: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// The number of open file descriptors of this process.
func openFileDescriptorCount() -> Int {
    guard let directory = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(directory) }
    var count = 0
    while let entry = readdir(directory) {
        let name = DirectoryEntryName.bytes(of: entry).first
        if name != UInt8(ascii: ".") { count += 1 }
    }
    return count - 1  // the directory stream's own descriptor
}

/// A blocking TCP socket for what `RawClient` does not do: abort with a reset, half-close, or open by
/// the thousand. Calls block; run them off the cooperative pool (`offPool`).
final class RawSocket: @unchecked Sendable {
    let fd: Int32
    private var closed = false

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        if !closed { Glibc.close(fd) }
    }

    /// Connects to 127.0.0.1:`port`; throws `RawClientError.system` (EMFILE when out of descriptors).
    static func connect(port: Int, timeout: Int = 10) throws -> RawSocket {
        RawSocket(fd: try connectToLoopback(port: port, timeoutSeconds: timeout))
    }

    /// Sends all of `bytes`; false when the connection broke (EPIPE, ECONNRESET) or the send timed out.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        sendWhileAccepted(bytes) == bytes.count
    }

    @discardableResult
    func send(_ text: String) -> Bool {
        send(Array(text.utf8))
    }

    /// Sends as much of `bytes` as the connection takes before a send fails or times out; how many bytes went.
    func sendWhileAccepted(_ bytes: [UInt8]) -> Int {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { break }
            offset += sent
        }
        return offset
    }

    /// Makes sends give up after `milliseconds` without progress.
    func setSendTimeout(milliseconds: Int) {
        var time = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Shrinks the socket's receive buffer (and so the window the server may fill) to about `bytes`.
    func setReceiveBufferSize(_ bytes: Int) {
        var size = Int32(bytes)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Up to `limit` bytes; empty at end of stream, nil on an error or timeout.
    func receive(limit: Int = 65536) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: limit)
        let count = bytes.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 { return nil }
        return Array(bytes[..<count])
    }

    /// Reads until the server closes (or resets, or 10 s of silence); what arrived.
    func receiveUntilClose() -> [UInt8] {
        var all: [UInt8] = []
        while let part = receive(), !part.isEmpty { all += part }
        return all
    }

    /// Closes with a reset (SO_LINGER 0): the abrupt way a crashed or impatient client goes.
    func reset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    /// Makes receives give up after `milliseconds`.
    func setReceiveTimeout(milliseconds: Int) {
        var time = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Shuts down the sending side (the server reads end of stream).
    func shutdownWrite() {
        Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }
}

/// Runs blocking work on a thread of its own, off Swift's cooperative pool.
///
/// Each call gets a new serial queue: those run on libdispatch's overcommit pool, which starts a thread
/// when the others are blocked. (Work on `DispatchQueue.global()` can wait behind blocked socket calls
/// for hundreds of milliseconds on a 2-core machine: longer than the short timeouts these tests set.)
///
/// The result is handed over through a `Locked` (a pthread mutex) as well as the continuation, so that
/// ThreadSanitizer sees what the work wrote (a socket made on the queue's thread, say) happen before
/// the caller reads it.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    let outcome = Locked<Result<T, any Error>?>(nil)
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        DispatchQueue(label: "conformance.blocking").async {
            outcome.set(Result { try work() })
            continuation.resume()
        }
    }
    return try outcome.get()!.get()
}

/// A handler that streams 64 KiB chunks for as long as the client takes them, recording the error that
/// ends it (the client left, or stopped reading past the response timeout) in `failure`.
func streamUntilWriteFails(recordingIn failure: Locked<(any Error)?>) -> HTTPHandler {
    { _, response in
        let piece = [UInt8](repeating: 0x73, count: 1 << 16)
        do {
            try await response.begin(status: 200)
            for _ in 0..<1_000_000 { try await response.chunk(piece) }
            try await response.end()
        } catch {
            failure.set(error)
            throw error
        }
    }
}
