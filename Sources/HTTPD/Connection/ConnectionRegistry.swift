import NIOCore
import Synchronization

/// The open connections of a server, so that `stop()` can close or drain them.
final class ConnectionRegistry: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// Tracks `channel` until it closes.
    func add(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { _ in
            self.channels.withLock { _ = $0.removeValue(forKey: key) }
        }
    }

    /// The connections open now.
    var open: [any Channel] {
        channels.withLock { Array($0.values) }
    }

    /// How many connections are open.
    var count: Int {
        channels.withLock { $0.count }
    }
}
