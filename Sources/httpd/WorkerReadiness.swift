#if canImport(Glibc)
import Glibc
#endif

/// How a worker of `httpd --processes` tells its supervisor it is listening: the supervisor names a
/// pipe's descriptor in the environment, the worker writes one byte to it once bound.
enum WorkerReadiness {
    /// The environment variable that holds the descriptor; set only for workers.
    static let variable = "HTTPD_WORKER_READY_FD"
    /// The descriptor the supervisor puts the pipe at in a worker.
    static let descriptor: Int32 = 3

    /// Whether this process is a supervised worker.
    static var isWorker: Bool { getenv(variable) != nil }

    /// Tells the supervisor this worker listens (once; does nothing outside a worker).
    static func signalReady() {
        guard let text = getenv(variable), let fd = Int32(String(cString: text)) else { return }
        unsetenv(variable)
        signal(SIGPIPE, SIG_IGN)  // a supervisor that gave up waiting has closed its end
        var byte: UInt8 = 0x52
        _ = write(fd, &byte, 1)
        close(fd)
    }
}
