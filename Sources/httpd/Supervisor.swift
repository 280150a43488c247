import HTTPD
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Signals received and not yet handled, set by the supervisor's signal handlers: lock-free atomics,
/// which a signal handler may touch and the supervisor's loop reads without a race.
private let pendingStop = Atomic<Int32>(0)
private let pendingReload = Atomic<Int32>(0)

private func supervisorSignal(_ number: Int32) {
    let savedErrno = errno  // a signal handler must leave errno as it found it
    if number == SIGHUP {
        pendingReload.store(1, ordering: .relaxed)
    } else {
        pendingStop.store(1, ordering: .relaxed)
    }
    errno = savedErrno
}

/// `httpd --processes N`: a small parent that runs N worker processes on the same port and keeps
/// them running.
///
/// - The supervisor binds the listening sockets itself (`SharedListener.open`), as nginx's master
///   does, and keeps them open as long as it runs: one socket per worker slot and address, all in one
///   `SO_REUSEPORT` group, so the kernel spreads connections over the slots. Each worker is this
///   executable again, started with `posix_spawn` (not `fork`: Swift's runtime does not survive it),
///   given its slot's sockets at descriptors 4, 5, … and the same arguments with `--address fd:4` … in
///   place of the addresses. A worker says it is listening by writing to a pipe (`WorkerReadiness`).
/// - A worker that stops closes only its copy of its slot's sockets: the supervisor's copy keeps them,
///   with the connections queued on them, for the worker that takes the slot next. No queued
///   connection is ever reset by a worker's stop. (One socket per slot rather than one for all: two
///   processes accepting on one socket race for each connection, and the loser's `accept` finds
///   nothing, which NIO's debug builds treat as a failed assertion.)
/// - A worker that dies is started again after a backoff (0.1 s, doubling to 10 s; back to 0.1 s once
///   one has run for 10 s).
/// - SIGTERM or SIGINT: every worker gets SIGTERM (each drains and stops: `HTTPServer.drainAndStop`);
///   the supervisor exits when all have.
/// - SIGHUP: the workers are replaced one at a time: the old one is sent SIGTERM, stops accepting at
///   once (it drains: `HTTPServer.drainAndStop`), and as soon as it has closed its copy of the slot's
///   sockets the replacement starts on them; what queued on the slot meanwhile waits for it.
final class Supervisor {
    private struct Worker {
        var pid: pid_t
        var started: ContinuousClock.Instant
    }

    /// The longest a worker may take to listen, or to stop once asked.
    static let patience: Duration = .seconds(30)
    static let firstBackoff: Duration = .milliseconds(100)
    static let longestBackoff: Duration = .seconds(10)

    /// An address the workers listen on, bound by the supervisor.
    struct SharedAddress {
        /// The option that names it (`--address` or `--plain-address`).
        var option: String
        /// The address as given (`127.0.0.1:8080`).
        var address: String
    }

    /// The descriptor a worker gets the first shared listener at (the readiness pipe is at 3).
    static let firstListenerDescriptor = WorkerReadiness.descriptor + 1

    private let executable: String
    private let arguments: [String]
    private let addresses: [SharedAddress]
    /// The supervisor's copies of the listening sockets: per worker slot, one per address.
    private var listeners: [[Int32]] = []
    private var workers: [Worker?]
    private var restartAt: [ContinuousClock.Instant?]
    private var backoff: [Duration]
    /// Workers reaped and not yet looked at: pid and wait status.
    private var exited: [(pid: pid_t, status: Int32)] = []
    private let clock = ContinuousClock()

    /// A supervisor of `count` workers running `executable` with `arguments` (from `workerArguments`)
    /// and a `--address fd:N` (or `--plain-address fd:N`) for each of `addresses`.
    init(executable: String, arguments: [String], addresses: [SharedAddress], count: Int) {
        self.executable = executable
        self.arguments = arguments
        self.addresses = addresses
        workers = Array(repeating: nil, count: count)
        restartAt = Array(repeating: nil, count: count)
        backoff = Array(repeating: Self.firstBackoff, count: count)
    }

    /// The path of the running executable (what workers run).
    static func ownExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A worker's arguments: this process's, without `--processes`, the addresses (the supervisor passes
    /// the sockets) and `--reuse-port` (the workers share one socket, not a port).
    static func workerArguments(_ arguments: [String]) -> [String] {
        let withValue: Set = ["--processes", "--address", "--plain-address"]
        var result: [String] = []
        var skipNext = false
        for argument in arguments {
            if skipNext {
                skipNext = false
                continue
            }
            if withValue.contains(argument) {
                skipNext = true
                continue
            }
            if withValue.contains(where: { argument.hasPrefix($0 + "=") }) || argument == "--reuse-port" { continue }
            result.append(argument)
        }
        return result
    }

    /// The addresses a worker gets: `--address fd:4` and so on, one per shared listener.
    private var listenerArguments: [String] {
        addresses.enumerated().flatMap { index, shared in
            [shared.option, SharedListener.address(descriptor: Self.firstListenerDescriptor + Int32(index))]
        }
    }

    /// Binds a socket per worker slot and address; false (logged) when one cannot be bound.
    private func openListeners() -> Bool {
        // Above every descriptor a worker gets one at, so that placing one cannot overwrite another.
        let lowest = Self.firstListenerDescriptor + Int32(addresses.count) + 10
        for _ in workers.indices {
            var slot: [Int32] = []
            for shared in addresses {
                do {
                    let descriptor = try SharedListener.open(shared.address, reusePort: true)
                    let moved = fcntl(descriptor, F_DUPFD_CLOEXEC, lowest)
                    close(descriptor)
                    guard moved >= 0 else {
                        log("cannot keep the socket of \(shared.address): \(String(cString: strerror(errno)))")
                        return false
                    }
                    slot.append(moved)
                } catch {
                    log("\(error)")
                    return false
                }
            }
            listeners.append(slot)
        }
        return true
    }

    /// Closes the supervisor's copies of the listening sockets: once the workers have closed theirs
    /// too, new connections are refused instead of queued with no one to accept them.
    private func closeListeners() {
        for descriptor in listeners.joined() { close(descriptor) }
        listeners.removeAll()
    }

    /// Whether worker `pid` still holds a copy of one of `slot`'s sockets (read in `/proc/PID/fd`: the
    /// descriptor it was given still names the same socket); false once it has exited.
    private func holdsSockets(_ pid: pid_t, slot: Int) -> Bool {
        for (index, descriptor) in listeners[slot].enumerated() {
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { continue }
            var buffer = [CChar](repeating: 0, count: 64)
            let path = "/proc/\(pid)/fd/\(Self.firstListenerDescriptor + Int32(index))"
            let count = readlink(path, &buffer, buffer.count - 1)
            guard count > 0 else { continue }
            let target = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if target == "socket:[\(info.st_ino)]" { return true }
        }
        return false
    }

    /// Supervises until stopped; the exit status.
    func run() -> Int32 {
        signal(SIGTERM, supervisorSignal)
        signal(SIGINT, supervisorSignal)
        signal(SIGHUP, supervisorSignal)
        signal(SIGPIPE, SIG_IGN)
        guard openListeners() else {
            closeListeners()
            return 1
        }
        for slot in workers.indices {
            guard let worker = start(slot: slot, waitingForReadiness: true) else {
                log("worker \(slot + 1) did not start listening; stopping")
                stopAll()
                return 1
            }
            workers[slot] = worker
        }
        log("listening on \(addresses.map(\.address).joined(separator: " "))")
        log("\(workers.count) workers running (pids \(workers.compactMap { $0.map { String($0.pid) } }.joined(separator: " "))); SIGHUP restarts them one at a time, SIGTERM stops them")
        while pendingStop.load(ordering: .relaxed) == 0 {
            if pendingReload.exchange(0, ordering: .relaxed) != 0 {
                reload()
                continue
            }
            reap()
            handleExits()
            restartDue()
            usleep(50_000)
        }
        stopAll()
        return 0
    }

    // MARK: Workers

    /// Starts a worker; with `waitingForReadiness`, returns it only once it listens (nil if it did not
    /// within `patience`, or died).
    private func start(slot: Int, waitingForReadiness: Bool) -> Worker? {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            log("pipe: \(String(cString: strerror(errno)))")
            return nil
        }
        // Keep both ends clear of the descriptors the worker gets the write end and the sockets at.
        let lowest = Self.firstListenerDescriptor + Int32(addresses.count) + 10
        let readEnd = fcntl(ends[0], F_DUPFD_CLOEXEC, lowest)
        let writeEnd = fcntl(ends[1], F_DUPFD_CLOEXEC, lowest)
        close(ends[0])
        close(ends[1])
        defer { close(readEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, writeEnd, WorkerReadiness.descriptor)
        // dup2 leaves the copies without close-on-exec: the worker keeps them.
        for (index, descriptor) in listeners[slot].enumerated() {
            posix_spawn_file_actions_adddup2(&actions, descriptor, Self.firstListenerDescriptor + Int32(index))
        }
        Self.closeDescriptors(from: Self.firstListenerDescriptor + Int32(addresses.count), in: &actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments + listenerArguments).map { strdup($0) } + [nil]
        var environment: [UnsafeMutablePointer<CChar>?] = []
        var entry = environ
        while let pointer = entry.pointee {
            if !String(cString: pointer).hasPrefix(WorkerReadiness.variable + "=") { environment.append(strdup(pointer)) }
            entry += 1
        }
        environment.append(strdup("\(WorkerReadiness.variable)=\(WorkerReadiness.descriptor)"))
        environment.append(nil)
        defer {
            for pointer in argv { free(pointer) }
            for pointer in environment { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environment)
        close(writeEnd)
        guard result == 0 else {
            log("cannot start a worker: \(String(cString: strerror(result)))")
            return nil
        }
        let worker = Worker(pid: pid, started: clock.now)
        guard waitingForReadiness else { return worker }
        var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        let deadline = clock.now.advanced(by: Self.patience)
        while clock.now < deadline {
            let ready = poll(&poller, 1, 100)
            if ready > 0 {
                var byte: UInt8 = 0
                if read(readEnd, &byte, 1) == 1 { return worker }
                break  // end of file: the worker died before listening
            }
        }
        kill(pid, SIGKILL)
        return nil
    }

    /// Replaces each worker in turn: the old one stops accepting, then the replacement takes its
    /// sockets (and what queued on them) while the old one finishes its requests.
    private func reload() {
        log("reloading: replacing \(workers.count) workers one at a time")
        for slot in workers.indices {
            guard pendingStop.load(ordering: .relaxed) == 0 else { return }
            guard let old = workers[slot] else { continue }
            workers[slot] = nil  // its exit is expected now
            kill(old.pid, SIGTERM)
            let deadline = clock.now.advanced(by: Self.patience)
            while holdsSockets(old.pid, slot: slot) && clock.now < deadline { usleep(5_000) }
            if holdsSockets(old.pid, slot: slot) { kill(old.pid, SIGKILL) }
            guard let replacement = start(slot: slot, waitingForReadiness: true) else {
                log("a replacement for worker \(old.pid) did not start listening; trying again after a backoff, keeping the others as they are")
                restartAt[slot] = clock.now.advanced(by: backoff[slot])
                _ = waitForExit([old.pid])
                return
            }
            workers[slot] = replacement
            if !waitForExit([old.pid]) { kill(old.pid, SIGKILL) }
            log("worker \(old.pid) replaced by \(replacement.pid)")
        }
        backoff = backoff.map { _ in Self.firstBackoff }
    }

    /// Sends SIGTERM to every worker and waits for all (SIGKILL after `patience`).
    private func stopAll() {
        let pids = workers.compactMap { $0?.pid }
        workers = workers.map { _ in nil }  // their exits are expected now
        restartAt = restartAt.map { _ in nil }
        log("stopping \(pids.count) workers")
        closeListeners()
        for pid in pids { kill(pid, SIGTERM) }
        if !waitForExit(pids) {
            for pid in pids { kill(pid, SIGKILL) }
            _ = waitForExit(pids)
        }
    }

    /// Waits until every one of `pids` has exited, at most `patience`; whether they did.
    private func waitForExit(_ pids: [pid_t]) -> Bool {
        var waiting = Set(pids)
        let deadline = clock.now.advanced(by: Self.patience)
        while !waiting.isEmpty && clock.now < deadline {
            reap()
            for (pid, _) in exited { waiting.remove(pid) }
            handleExits()
            if !waiting.isEmpty { usleep(20_000) }
        }
        return waiting.isEmpty
    }

    /// Collects every worker that has exited.
    private func reap() {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { return }
            exited.append((pid, status))
        }
    }

    /// A worker that exited unasked is scheduled to start again after its backoff.
    private func handleExits() {
        for (pid, status) in exited {
            guard let slot = workers.firstIndex(where: { $0?.pid == pid }), let worker = workers[slot] else { continue }
            workers[slot] = nil
            if worker.started.duration(to: clock.now) >= Self.longestBackoff { backoff[slot] = Self.firstBackoff }
            restartAt[slot] = clock.now.advanced(by: backoff[slot])
            log("worker \(pid) \(Self.describe(status)); starting another in \(backoff[slot])")
            backoff[slot] = min(backoff[slot] * 2, Self.longestBackoff)
        }
        exited.removeAll()
    }

    /// Starts the workers whose backoff has passed.
    private func restartDue() {
        for slot in workers.indices {
            guard let due = restartAt[slot], due <= clock.now, pendingStop.load(ordering: .relaxed) == 0 else { continue }
            restartAt[slot] = nil
            workers[slot] = start(slot: slot, waitingForReadiness: false)
            if workers[slot] == nil { restartAt[slot] = clock.now.advanced(by: backoff[slot]) }
        }
    }

    /// Has the worker close every descriptor from `lowest` on, so that it inherits nothing of the
    /// supervisor's but its standard streams and the readiness pipe
    /// (`posix_spawn_file_actions_addclosefrom_np`, glibc 2.34, looked up at run time; without it the
    /// descriptors the supervisor opens are all close-on-exec anyway).
    private static func closeDescriptors(from lowest: Int32, in actions: inout posix_spawn_file_actions_t) {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, lowest)
    }

    private static func describe(_ status: Int32) -> String {
        let signalNumber = status & 0x7f
        if signalNumber == 0 { return "exited with status \((status >> 8) & 0xff)" }
        return "was killed by signal \(signalNumber)"
    }

    private func log(_ message: String) {
        let line = Array("httpd supervisor[\(getpid())]: \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
