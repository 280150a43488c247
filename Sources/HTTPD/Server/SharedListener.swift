import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A listening socket opened once and shared by several processes, as nginx shares its listeners
/// with its workers: a supervisor binds it, passes the descriptor to every worker it spawns, and each
/// worker's server listens on it with the address `"fd:N"`.
///
/// ```swift
/// // In the supervisor: bind once, keep it open, give it to each worker as descriptor 4 (posix_spawn).
/// let socket = try SharedListener.open("127.0.0.1:8080")
/// // In a worker:
/// let server = try await HTTPServer.start(addresses: [SharedListener.address(descriptor: 4)])
/// ```
///
/// A server that stops closes only its own copy of the descriptor: as long as another process (the
/// supervisor) holds the socket, the connections waiting in its accept queue stay there for the next
/// server on it, and none is reset (unlike a socket a process bound itself with `SocketOption.reusePort`,
/// whose queue closing it resets). `drainAndStop` therefore stops accepting on such a listener at once.
///
/// Let one process at a time accept on a socket: when two wait on one socket, both wake for each
/// connection and one finds nothing to accept, which NIO's debug builds take for a broken invariant
/// (an assertion). For several workers, open one socket per worker with `reusePort` (the kernel spreads
/// connections over them), as `httpd --processes` does, and hand a stopped worker's socket to its
/// replacement.
public enum SharedListener {
    /// Binds a TCP listening socket on `address` (`"host:port"`, `"[v6]:port"`, `":port"`) with
    /// `SO_REUSEADDR` (and `SO_REUSEPORT` if `reusePort`: one socket per worker, all on one port), and
    /// listens with `backlog`; returns its descriptor, close-on-exec (a child gets it only where
    /// `posix_spawn_file_actions_adddup2` puts it). The caller owns it and closes it.
    ///
    /// - Throws: `HTTPDError.invalidAddress` for an address that is not `host:port`, `.bindFailed` naming
    ///   it when it cannot be bound.
    public static func open(_ address: String, backlog: Int = 4096, reusePort: Bool = false) throws(HTTPDError) -> Int32 {
        let parsed = try ServerAddress(address)
        guard case .tcp(let host, let port) = parsed.endpoint else {
            throw .invalidAddress(address, reason: "a shared listener is a TCP host:port")
        }
        guard backlog > 0 else { throw .invalidSetting(name: "backlog", value: "\(backlog)") }
        let socketAddress: SocketAddress
        do {
            socketAddress = try SocketAddress.makeAddressResolvingHost(host, port: port)
        } catch {
            throw .invalidAddress(address, reason: "\(error)")
        }
        let family = socketAddress.protocol == .inet6 ? AF_INET6 : AF_INET
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .bindFailed(address: address, reason: Self.systemError("socket")) }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if reusePort { setsockopt(descriptor, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
        let bound = socketAddress.withSockAddr { pointer, size in bind(descriptor, pointer, socklen_t(size)) }
        guard bound == 0, listen(descriptor, Int32(clamping: backlog)) == 0 else {
            let reason = Self.systemError(bound == 0 ? "listen" : "bind")
            close(descriptor)
            throw .bindFailed(address: address, reason: reason)
        }
        return descriptor
    }

    /// The address a server listens on `descriptor` with (`"fd:4"`).
    public static func address(descriptor: Int32) -> String {
        "fd:\(descriptor)"
    }

    /// Serves the listening socket `descriptor` with `bootstrap` (which takes it over: closing the
    /// channel closes this process's copy). Throws unless it is a listening stream socket.
    static func adopt(_ descriptor: Int32, bootstrap: ServerBootstrap, backlog: Int) async throws -> any Channel {
        var listening: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0, listening == 1 else {
            throw HTTPDError.bindFailed(address: address(descriptor: descriptor), reason: "descriptor \(descriptor) is not a listening socket")
        }
        let channel = try await bootstrap.withBoundSocket(descriptor).get()
        // NIO listens again with its own backlog (128), which would shrink the queue every process shares.
        listen(descriptor, Int32(clamping: backlog))
        return channel
    }

    private static func systemError(_ call: String) -> String {
        "\(call): \(String(cString: strerror(errno)))"
    }
}
