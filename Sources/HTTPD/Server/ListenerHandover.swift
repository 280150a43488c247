import Synchronization

/// What a server's graceful handover watches: whether it is draining, and how many connections its
/// listeners have accepted (so it can tell when they have gone quiet).
final class ListenerHandover: Sendable {
    private let drainingFlag = Atomic<Bool>(false)
    private let acceptedCount = Atomic<Int>(0)

    /// The server is draining: health checks answer 503, every connection closes after its next response.
    var isDraining: Bool { drainingFlag.load(ordering: .relaxed) }
    /// Connections accepted so far.
    var accepted: Int { acceptedCount.load(ordering: .relaxed) }

    /// Marks the server draining; false when it already was.
    func beginDraining() -> Bool {
        !drainingFlag.exchange(true, ordering: .relaxed)
    }

    /// Counts an accepted connection.
    func countAccepted() {
        acceptedCount.add(1, ordering: .relaxed)
    }
}
