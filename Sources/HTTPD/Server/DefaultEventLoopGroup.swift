#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix

/// The event loops a server runs on when it is not given any: one loop per CPU the process may run on.
///
/// That is NIO's shared `MultiThreadedEventLoopGroup.singleton`, unless the process is confined to
/// fewer CPUs than NIO counts (NIO honours cgroup quotas and cpusets, not the affinity `taskset` or
/// `sched_setaffinity` set): then a shared group with one loop per CPU it may use. More loops than
/// CPUs only take turns on them, and a connection whose loop waits for its turn waits milliseconds.
enum DefaultEventLoopGroup {
    static let shared: any EventLoopGroup = {
        if let allowed = cpusAllowed(), allowed < System.coreCount {
            return MultiThreadedEventLoopGroup(numberOfThreads: allowed)
        }
        return MultiThreadedEventLoopGroup.singleton
    }()

    /// How many CPUs this process may run on (the `Cpus_allowed` mask in /proc/self/status), or nil
    /// where that cannot be read.
    static func cpusAllowed() -> Int? {
        #if os(Linux)
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        let field = "Cpus_allowed:"
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            guard text.hasPrefix(field) else { continue }
            let mask = text.dropFirst(field.count)
            let count = mask.reduce(0) { $0 + (UInt8(String($1), radix: 16)?.nonzeroBitCount ?? 0) }
            return count > 0 ? count : nil
        }
        #endif
        return nil
    }
}
