import NIOCore

extension HTTPServer {
    /// Whether the server is draining (`drainAndStop`), or has stopped: `HealthCheck.handler` answers 503.
    public var isDraining: Bool {
        sharedContext?.handover.isDraining ?? true
    }

    /// Stops without failing a request, when another server (another process on the same port with
    /// `SocketOption.reusePort`, or behind the same load balancer) takes over.
    ///
    /// 1. The server drains: `HealthCheck.handler` answers 503, and every open connection, and every one
    ///    accepted from now on, is answered once more and then closed (`Connection: close`), so clients
    ///    reconnect, and the kernel spreads their new connections over every listener on the port.
    /// 2. It keeps accepting until its listeners are quiet: nothing accepted for `quietPeriod` and
    ///    nothing waiting in their accept queues (read with `TCP_INFO`), for at most half of
    ///    `gracePeriod`. Closing a listening socket resets the connections still queued on it; a
    ///    listener that stays open until new connections have stopped coming has none left to lose.
    /// 3. It stops as `stop(gracePeriod:)` does, with what is left of `gracePeriod`.
    ///
    /// Where clients connect all the time (no keep-alive), new connections never stop coming; Linux
    /// (5.14 and later) then hands a closing listener's queue to the others on the port when
    /// `net.ipv4.tcp_migrate_req` is 1.
    public func drainAndStop(gracePeriod: Duration, quietPeriod: Duration = .milliseconds(250)) async {
        guard let serverContext = sharedContext else { return }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: gracePeriod)
        // The other half is left for the requests in progress once the listeners are closed.
        let quietDeadline = clock.now.advanced(by: gracePeriod / 2)
        if serverContext.handover.beginDraining() {
            logger.info("draining")
            await drainOpenConnections(closingIdle: false)
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
        }
        let left = clock.now.duration(to: deadline)
        await stop(gracePeriod: left > .zero ? left : .zero)
    }

    /// How many connections wait in the listeners' accept queues (Linux: `tcpi_unacked` of a listening
    /// socket); 0 where that cannot be read.
    private func queuedConnections() async -> Int {
        #if os(Linux)
        var total = 0
        for listener in listenerChannels {
            guard let provider = listener as? any SocketOptionProvider,
                let info = try? await provider.getTCPInfo().get()
            else { continue }
            total += Int(info.tcpi_unacked)
        }
        return total
        #else
        return 0
        #endif
    }
}
