import NIOCore
import NIOConcurrencyHelpers

/// The open connections of a server, so that `stop()` can close or drain them.
final class ConnectionRegistry: Sendable {
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    /// Tracks `channel` until it closes.
    func add(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels.withLockedValue { $0[key] = channel }
        channel.closeFuture.whenComplete { _ in
            self.channels.withLockedValue { _ = $0.removeValue(forKey: key) }
        }
    }

    /// The connections open now.
    var open: [any Channel] {
        channels.withLockedValue { Array($0.values) }
    }

    /// How many connections are open.
    var count: Int {
        channels.withLockedValue { $0.count }
    }
}
