#if canImport(Glibc)
import Glibc
#endif
import Synchronization

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
/// - Each worker is this executable again, started with `posix_spawn` (not `fork`: Swift's runtime
///   does not survive it), with the same arguments and `--reuse-port`, so each binds its own
///   `SO_REUSEPORT` listener and the kernel spreads connections among them. A worker says it is
///   listening by writing to a pipe (`WorkerReadiness`).
/// - A worker that dies is started again after a backoff (0.1 s, doubling to 10 s; back to 0.1 s once
///   one has run for 10 s).
/// - SIGTERM or SIGINT: every worker gets SIGTERM (each drains and stops: `HTTPServer.drainAndStop`);
///   the supervisor exits when all have.
/// - SIGHUP: the workers are replaced one at a time, each replacement listening before the worker it
///   replaces is sent SIGTERM, so the port always has a worker and a draining worker's listener closes
///   only once new connections go to the others.
final class Supervisor {
    private struct Worker {
        var pid: pid_t
        var started: ContinuousClock.Instant
    }

    /// The longest a worker may take to listen, or to stop once asked.
    static let patience: Duration = .seconds(30)
    static let firstBackoff: Duration = .milliseconds(100)
    static let longestBackoff: Duration = .seconds(10)

    private let executable: String
    private let arguments: [String]
    private var workers: [Worker?]
    private var restartAt: [ContinuousClock.Instant?]
    private var backoff: [Duration]
    /// Workers reaped and not yet looked at: pid and wait status.
    private var exited: [(pid: pid_t, status: Int32)] = []
    private let clock = ContinuousClock()

    init(executable: String, arguments: [String], count: Int) {
        self.executable = executable
        self.arguments = arguments
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

    /// A worker's arguments: this process's, without `--processes`, with `--reuse-port`.
    static func workerArguments(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var skipNext = false
        for argument in arguments {
            if skipNext {
                skipNext = false
                continue
            }
            if argument == "--processes" {
                skipNext = true
                continue
            }
            if argument.hasPrefix("--processes=") { continue }
            result.append(argument)
        }
        if !result.contains("--reuse-port") { result.append("--reuse-port") }
        return result
    }

    /// Supervises until stopped; the exit status.
    func run() -> Int32 {
        signal(SIGTERM, supervisorSignal)
        signal(SIGINT, supervisorSignal)
        signal(SIGHUP, supervisorSignal)
        signal(SIGPIPE, SIG_IGN)
        for slot in workers.indices {
            guard let worker = start(waitingForReadiness: true) else {
                log("worker \(slot + 1) did not start listening; stopping")
                stopAll()
                return 1
            }
            workers[slot] = worker
        }
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
    private func start(waitingForReadiness: Bool) -> Worker? {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            log("pipe: \(String(cString: strerror(errno)))")
            return nil
        }
        // Keep both ends clear of the descriptor the worker gets the write end at.
        let readEnd = fcntl(ends[0], F_DUPFD_CLOEXEC, 10)
        let writeEnd = fcntl(ends[1], F_DUPFD_CLOEXEC, 10)
        close(ends[0])
        close(ends[1])
        defer { close(readEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, writeEnd, WorkerReadiness.descriptor)
        Self.closeDescriptors(from: WorkerReadiness.descriptor + 1, in: &actions)
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

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
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

    /// Replaces each worker in turn: the replacement listens, then the old one drains and stops.
    private func reload() {
        log("reloading: replacing \(workers.count) workers one at a time")
        for slot in workers.indices {
            guard pendingStop.load(ordering: .relaxed) == 0 else { return }
            guard let old = workers[slot] else { continue }
            guard let replacement = start(waitingForReadiness: true) else {
                log("a replacement for worker \(old.pid) did not start listening; keeping the others as they are")
                return
            }
            workers[slot] = replacement
            kill(old.pid, SIGTERM)
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
            workers[slot] = start(waitingForReadiness: false)
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
