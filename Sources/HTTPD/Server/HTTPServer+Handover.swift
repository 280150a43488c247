import NIOCore

#if canImport(Glibc)
import Glibc
#endif

extension HTTPServer {
    /// Whether the server is draining (`drainAndStop`), or has stopped: `HealthCheck.handler` answers 503.
    public var isDraining: Bool {
        sharedContext?.handover.isDraining ?? true
    }

    /// Stops without failing a request, when other servers on the same port take over: other processes
    /// holding the same listening socket (`SharedListener`, as `httpd --processes` workers do), or
    /// listening on the port with `SocketOption.reusePort`, or behind the same load balancer.
    ///
    /// 1. The server drains: `HealthCheck.handler` answers 503, and every open connection, and every one
    ///    accepted from now on, is answered once more and then closed (`Connection: close`), so clients
    ///    reconnect, and their new connections go to the other listeners.
    /// 2. A listener on a shared descriptor (`"fd:N"`) stops accepting at once: its accept queue is the
    ///    other processes' too, and closing this process's copy leaves what is queued to them.
    /// 3. A listener of its own keeps accepting until it is quiet: nothing accepted for `quietPeriod` and
    ///    nothing waiting in its accept queue (read with `TCP_INFO`), for at most half of `gracePeriod`.
    ///    Closing a `reusePort` listener resets the connections still queued on it, unless Linux (5.14 and
    ///    later) moves them to another listener of the port (`net.ipv4.tcp_migrate_req` = 1), which is
    ///    the only way to close that window entirely; a notice is logged when it is off.
    /// 4. It waits, within that half of `gracePeriod`, for its connections to take their last answer and
    ///    close; then it stops as `stop(gracePeriod:)` does, with what is left of `gracePeriod`.
    public func drainAndStop(gracePeriod: Duration, quietPeriod: Duration = .milliseconds(250)) async {
        guard let serverContext = sharedContext else { return }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: gracePeriod)
        // The other half is left for the requests in progress once the listeners are closed.
        let quietDeadline = clock.now.advanced(by: gracePeriod / 2)
        if serverContext.handover.beginDraining() {
            logger.info("draining")
            if reusesPort && !Self.kernelMigratesQueuedConnections {
                logger.notice(
                    "net.ipv4.tcp_migrate_req is not 1: a connection queued on this SO_REUSEPORT listener when it closes is reset; set it to 1 (Linux 5.14+) to hand such connections to the other listeners")
            }
            await drainOpenConnections(closingIdle: false)
            for listener in listenerChannels {
                if case .descriptor = listener.endpoint { await closeAfterAccepted(listener.channel) }
            }
            var accepted = serverContext.handover.accepted
            var quietSince = clock.now
            while clock.now < quietDeadline {
                try? await Task.sleep(for: .milliseconds(10))
                let nowAccepted = serverContext.handover.accepted
                let queued = await queuedConnections()
                if nowAccepted != accepted || queued > 0 {
                    accepted = nowAccepted
                    quietSince = clock.now
                } else if quietSince.duration(to: clock.now) >= quietPeriod {
                    break
                }
            }
            // Every connection closes after its next answer; one still waiting for its first request (a
            // client slow to send on a loaded machine) is left that long too, rather than closed as idle.
            await waitUntilNoConnections(within: clock.now.duration(to: quietDeadline))
        }
        let left = clock.now.duration(to: deadline)
        await stop(gracePeriod: left > .zero ? left : .zero)
    }

    /// How many connections wait in the open listeners' accept queues (Linux: `tcpi_unacked` of a
    /// listening socket); 0 where that cannot be read.
    private func queuedConnections() async -> Int {
        #if os(Linux)
        var total = 0
        for listener in listenerChannels {
            guard listener.channel.isActive, let provider = listener.channel as? any SocketOptionProvider,
                let info = try? await provider.getTCPInfo().get()
            else { continue }
            total += Int(info.tcpi_unacked)
        }
        return total
        #else
        return 0
        #endif
    }

    /// Whether the kernel hands a closing `SO_REUSEPORT` listener's queued connections to the other
    /// listeners of its port (`net.ipv4.tcp_migrate_req`, Linux 5.14 and later).
    static var kernelMigratesQueuedConnections: Bool {
        #if os(Linux)
        guard let file = fopen("/proc/sys/net/ipv4/tcp_migrate_req", "r") else { return false }
        defer { fclose(file) }
        return fgetc(file) == Int32(UInt8(ascii: "1"))
        #else
        return false
        #endif
    }
}
