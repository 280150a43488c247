/// Watches a server: its connections, its requests, and every exchange once it is over. Give observers
/// to `HTTPServer.start(…, observers:)`; `HTTPAccessLog` and `HTTPMetrics` are two.
///
/// Every method has an empty default, so an observer implements what it needs. They are called on the
/// connections' event loops, from many at once: keep them quick and thread-safe, and never block.
/// A server without observers (and without a metrics backend) does none of this work.
public protocol HTTPServerObserver: Sendable {
    /// A client connection was accepted.
    func connectionOpened()
    /// A client connection closed.
    func connectionClosed()
    /// A listener failed to accept a connection (`EMFILE`: the process is out of file descriptors) and
    /// pauses accepting for a moment.
    func acceptFailed(_ error: any Error)
    /// A request head was taken and its handler is about to run.
    func requestStarted(method: String)
    /// An exchange is over: reported exactly once per request head the server took or refused (after
    /// `requestStarted` for the ones that reached a handler).
    func exchangeCompleted(_ record: HTTPExchangeRecord)
}

extension HTTPServerObserver {
    /// Does nothing.
    public func connectionOpened() {}
    /// Does nothing.
    public func connectionClosed() {}
    /// Does nothing.
    public func acceptFailed(_ error: any Error) {}
    /// Does nothing.
    public func requestStarted(method: String) {}
    /// Does nothing.
    public func exchangeCompleted(_ record: HTTPExchangeRecord) {}
}
