/// Options for the listening sockets (`start-http-server!`'s socket options).
public enum SocketOption: Sendable, Hashable {
    /// `SO_REUSEADDR`: listen again at once on an address a stopped server used (on by default).
    case reuseAddress
    /// `SO_REUSEPORT`: let several listeners share one address, the kernel spreading connections among them.
    case reusePort
}
