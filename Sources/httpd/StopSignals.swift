import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Runs an async action once on the first SIGINT or SIGTERM, instead of dying mid-response.
enum StopSignals {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Installs the handlers; `stop` runs once, on the first signal.
    static func install(_ stop: @escaping @Sendable () async -> Void) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                for source in sources { source.cancel() }
                Task { await stop() }
            }
            source.resume()
            sources.append(source)
        }
    }
}
