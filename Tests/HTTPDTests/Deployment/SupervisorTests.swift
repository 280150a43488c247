import HTTPD
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `httpd --processes 2` as a whole process: the workers accept on the supervisor's sockets, SIGHUP
/// replaces them one at a time without a failed request under keep-alive load, a killed worker is
/// replaced, SIGTERM stops everything.
@Suite("Deployment: httpd --processes", .serialized)
struct SupervisorTests {
    /// The `httpd` built beside the test bundle, or nil (then the test has nothing to run).
    static var httpdBinary: String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let count = readlink("/proc/self/exe", &buffer, 4096)
        guard count > 0 else { return nil }
        var path = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        while let last = path.split(separator: "/").last, !last.hasSuffix(".xctest"), path.count > 1 {
            path = String(path[..<path.lastIndex(of: "/")!])
        }
        let candidate = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) + "/httpd"
        return access(candidate, X_OK) == 0 ? candidate : nil
    }

    /// A port nothing listens on now, below the ephemeral range: a port 0 bind elsewhere in the test
    /// run cannot be handed it after the probe lets it go (and the workers' SO_REUSEPORT listeners
    /// cannot join another test's server).
    static func freePort() async throws -> Int {
        let range = read("/proc/sys/net/ipv4/ip_local_port_range").split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        let lowest = range.first.flatMap { Int($0) } ?? 32768
        var candidate = max(1025, lowest - 1 - Int(getpid() % 4000))
        while true {
            if let probe = try? await HTTPServer.start(addresses: ["127.0.0.1:\(candidate)"]) {
                await probe.stop()
                return candidate
            }
            candidate -= 1
        }
    }

    static func spawn(_ arguments: [String], log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // The child must hold no socket of the tests running beside this one (a listener it kept open
        // would keep accepting for a server that stopped).
        closeDescriptors(from: 3, in: &actions)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard result == 0 else { throw RawClientError.system("posix_spawn", result) }
        return pid
    }

    static func read(_ path: String) -> String {
        guard let file = fopen(path, "r") else { return "" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Waits for `pid` to exit (at most `seconds`); its wait status, or nil.
    static func waitExit(_ pid: pid_t, seconds: Int) async throws -> Int32? {
        for _ in 0..<(seconds * 20) {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return status }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    @Test("two workers on one port; SIGHUP replaces each under keep-alive load, no request fails; a killed worker comes back; SIGTERM stops all")
    func supervised() async throws {
        guard let binary = Self.httpdBinary else {
            Issue.record("httpd is not built beside the tests (swift build --build-tests builds it)")
            return
        }
        let port = try await Self.freePort()
        let log = "/tmp/httpd-supervisor-test-\(getpid()).log"
        defer { unlink(log) }
        let supervisor = try Self.spawn(
            [binary, "--address", "127.0.0.1:\(port)", "--processes", "2", "--health-path", "/healthz", "--log-level", "warning"],
            log: log)
        var stopped = false
        defer { if !stopped { kill(supervisor, SIGKILL) } }
        #expect(await eventually(within: .seconds(30)) { Self.read(log).contains("2 workers running") }, "\(Self.read(log))")
        #expect(await ReusePortTests.get(port: port, "/healthz") == "HTTP/1.1 200 OK ok\n")

        let load = KeepAliveLoad(port: port, clients: 4)
        try await Task.sleep(for: .milliseconds(300))
        kill(supervisor, SIGHUP)
        let replaced = await eventually(within: .seconds(60)) {
            Self.read(log).components(separatedBy: "replaced by").count == 3
        }
        try await Task.sleep(for: .milliseconds(300))
        await load.stop()
        #expect(replaced, "\(Self.read(log))")
        // The supervisor holds every listening socket: a stopping worker closes only its copy, so no
        // connection queued on it is reset; the replacement accepts them.
        #expect(load.failures.get() == 0, "\(load.errors.get())")
        #expect(load.answers.get().keys.allSatisfy { $0.hasPrefix("200 ") }, "\(load.answers.get())")
        #expect(load.answered > 0)

        // A worker killed outright is started again.
        let line = Self.read(log).split(separator: "\n").last { $0.contains("replaced by") } ?? ""
        if let worker = pid_t(line.split(separator: " ").last ?? "") {
            kill(worker, SIGKILL)
            #expect(await eventually(within: .seconds(20)) { Self.read(log).contains("was killed by signal 9") })
        }
        #expect(await eventually(within: .seconds(20)) { await ReusePortTests.get(port: port) == "HTTP/1.1 200 OK hello, 127.0.0.1\n" })

        kill(supervisor, SIGTERM)
        let status = try await Self.waitExit(supervisor, seconds: 40)
        stopped = status != nil
        #expect(status == 0, "\(Self.read(log))")
        #expect(await ReusePortTests.get(port: port) == nil)
    }
}

/// Has a spawned child close every descriptor from `lowest` on (`posix_spawn_file_actions_addclosefrom_np`,
/// glibc 2.34, found at run time as the Glibc module does not import it).
func closeDescriptors(from lowest: Int32, in actions: inout posix_spawn_file_actions_t) {
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return }
    _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, lowest)
}
