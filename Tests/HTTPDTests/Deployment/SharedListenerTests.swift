@testable import HTTPD
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Listening on a socket the process was given (`"fd:N"`, `SharedListener`), as `httpd --processes`
/// workers do: a server that stops closes only its copy, and what is queued stays for the next one.
@Suite("Deployment: shared listening sockets")
struct SharedListenerTests {
    /// A server answering `name` at `/` on its own copy of `socket`.
    static func start(_ name: String, on socket: Int32) async throws -> HTTPServer {
        // The handler is in place before the server accepts: the queue's first connections are its.
        let mux = DefaultHTTPMux()
        try mux.putHandler(host: nil, path: "/") { _, response in try await response.write(status: 200, body: name) }
        return try await HTTPServer.start(mux: mux, addresses: [SharedListener.address(descriptor: dup(socket))])
    }

    /// The port `socket` is bound to.
    static func port(of socket: Int32) -> Int {
        var address = sockaddr_in()
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &size) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test("a server on an inherited socket stops under load; the next server on it takes what was queued, no request fails")
    func handoverOnSharedSocket() async throws {
        let socket = try SharedListener.open("127.0.0.1:0")
        defer { close(socket) }
        let port = Self.port(of: socket)
        let old = try await Self.start("old", on: socket)
        #expect(old.addresses == ["127.0.0.1:\(port)"])
        let load = KeepAliveLoad(port: port, clients: 8)
        // Load is running once the old server has answered (a loaded machine may take a while).
        #expect(await eventually { load.count("200 old") > 0 })
        // The old server stops accepting at once and closes its copy; connections keep arriving and wait
        // in the queue (the test holds the socket) until the new server accepts them. As the supervisor
        // does, the new one starts as soon as the old one has let go of the socket, not once it has
        // finished (its drain can take seconds on a loaded machine: queued clients would time out).
        let draining = Task { await old.drainAndStop(gracePeriod: .seconds(10), quietPeriod: .milliseconds(200)) }
        #expect(await eventually { old.listenerChannels.allSatisfy { !$0.channel.isActive } })
        let new = try await Self.start("new", on: socket)
        await draining.value
        #expect(await eventually { load.count("200 new") > 0 })
        await load.stop()
        await new.stop()
        #expect(load.failures.get() == 0, "\(load.answers.get()) \(load.errors.get())")
        #expect(load.count("200 old") > 0)
        #expect(load.count("200 new") > 0)
        #expect(load.answers.get().count == 2, "\(load.answers.get())")
    }

    @Test("fd: addresses that are not listening sockets are refused, naming the descriptor")
    func badDescriptors() async throws {
        await #expect(throws: HTTPDError.invalidAddress("fd:x", reason: "fd: must be followed by a descriptor number")) {
            _ = try await HTTPServer.start(addresses: ["fd:x"])
        }
        let file = open("/dev/null", O_RDONLY)
        defer { close(file) }
        await #expect(throws: HTTPDError.bindFailed(address: "fd:\(file)", reason: "descriptor \(file) is not a listening socket")) {
            _ = try await HTTPServer.start(addresses: ["fd:\(file)"])
        }
        #expect(throws: HTTPDError.invalidAddress("unix:/tmp/x", reason: "a shared listener is a TCP host:port")) {
            _ = try SharedListener.open("unix:/tmp/x")
        }
    }
}
