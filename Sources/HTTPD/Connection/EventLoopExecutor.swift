import NIOCore

/// Runs Swift tasks on a NIO event loop, so that a handler and its connection share one thread and
/// no request hops to the global concurrency pool.
final class EventLoopExecutor: TaskExecutor, @unchecked Sendable {
    /// The loop every job runs on.
    let eventLoop: any EventLoop
    /// The loop's `Date` header cache; touched only on the loop's thread.
    let dateCache = DateHeaderCache()
    /// The heartbeats of the loop's event streams; touched only on the loop's thread.
    let heartbeats: EventStreamHeartbeats

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.heartbeats = EventStreamHeartbeats(eventLoop: eventLoop)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}

/// One `EventLoopExecutor` per loop of a group, found by the loop a channel lives on.
struct EventLoopExecutors: Sendable {
    private let executors: [ObjectIdentifier: EventLoopExecutor]

    init(group: any EventLoopGroup) {
        var executors: [ObjectIdentifier: EventLoopExecutor] = [:]
        for loop in group.makeIterator() {
            executors[ObjectIdentifier(loop)] = EventLoopExecutor(eventLoop: loop)
        }
        self.executors = executors
    }

    /// The executor for `loop` (a new one if the loop is not of the group).
    func executor(for loop: any EventLoop) -> EventLoopExecutor {
        executors[ObjectIdentifier(loop)] ?? EventLoopExecutor(eventLoop: loop)
    }
}
