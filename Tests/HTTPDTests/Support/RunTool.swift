import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Runs `tool` with `arguments`, `input` on its standard input (then end of file); its standard output,
/// and its standard error after it when `withErrors`. A tool still running after 60 s is terminated.
/// Blocks: call it through `offPool`.
///
/// Spawned with `posix_spawn`, not Foundation's `Process`: on Linux (Swift 6.3.1) `Process.run()` copies
/// whole `dirent` records while listing /proc/self/fd, reading past the end of glibc's directory buffer
/// (swift-corelibs-foundation PR #5472), which AddressSanitizer reports and which now and then crashes
/// the whole test process with SIGSEGV.
func run(_ tool: String, _ arguments: [String], input: String = "", withErrors: Bool = false) throws -> String {
    ignoreBrokenPipes
    let toChild = try ChildPipe()
    let fromChild = try ChildPipe()
    let errorsFromChild = withErrors ? try ChildPipe() : nil
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, toChild.readEnd, 0)
    posix_spawn_file_actions_adddup2(&actions, fromChild.writeEnd, 1)
    if let errorsFromChild { posix_spawn_file_actions_adddup2(&actions, errorsFromChild.writeEnd, 2) }
    closeDescriptors(from: 3, in: &actions)
    // The tool gets SIGPIPE's default action back (this process ignores it).
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGPIPE)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))
    let argv = ([tool] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid = pid_t()
    let spawned = posix_spawn(&pid, tool, &actions, &attributes, argv, environ)
    // The child holds its own copies of its ends now.
    toChild.closeReadEnd()
    fromChild.closeWriteEnd()
    errorsFromChild?.closeWriteEnd()
    guard spawned == 0 else { throw RawClientError.system("posix_spawn \(tool)", spawned) }

    let watchdog = DispatchWorkItem { kill(pid, SIGTERM) }
    DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
    defer { watchdog.cancel() }
    toChild.writeAll(Array(input.utf8))
    toChild.closeWriteEnd()
    // Standard error is read on a thread of its own, so that neither pipe fills while the other is read.
    let errorText = Locked("")
    let errorsRead = DispatchGroup()
    if let errorsFromChild {
        DispatchQueue(label: "run.stderr").async(group: errorsRead) {
            errorText.set(String(decoding: errorsFromChild.readAll(), as: UTF8.self))
        }
    }
    let output = fromChild.readAll()
    errorsRead.wait()
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    watchdog.cancel()  // before the pid can be reused
    return String(decoding: output, as: UTF8.self) + errorText.get()
}

/// A write to a pipe whose reader has exited fails with EPIPE instead of killing this process.
private let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

/// A pipe to or from a child process (both ends close-on-exec here; `posix_spawn`'s dup2 clears the
/// flag on the child's copy). Each end is closed once.
private final class ChildPipe: @unchecked Sendable {
    let readEnd: Int32
    let writeEnd: Int32
    private let open = Locked((read: true, write: true))

    init() throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw RawClientError.system("pipe", errno) }
        readEnd = ends[0]
        writeEnd = ends[1]
        // (`pipe2` with O_CLOEXEC is not in the Glibc module; other spawns close inherited descriptors too.)
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
    }

    deinit {
        closeReadEnd()
        closeWriteEnd()
    }

    func closeReadEnd() {
        var wasOpen = false
        open.update { wasOpen = $0.read; $0.read = false }
        if wasOpen { close(readEnd) }
    }

    func closeWriteEnd() {
        var wasOpen = false
        open.update { wasOpen = $0.write; $0.write = false }
        if wasOpen { close(writeEnd) }
    }

    /// Writes all of `bytes` (stops early if the reader went away).
    func writeAll(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }

    /// Everything until end of file.
    func readAll() -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { return bytes }
            bytes += buffer[..<count]
        }
    }
}
