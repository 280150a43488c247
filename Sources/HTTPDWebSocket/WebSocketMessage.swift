/// A whole WebSocket message, reassembled from its fragments.
public enum WebSocketMessage: Sendable, Equatable {
    /// A text message (valid UTF-8).
    case text(String)
    /// A binary message.
    case binary([UInt8])
}

/// The status code of a close frame (RFC 6455 §7.4).
public struct WebSocketCloseCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The code's number.
    public let rawValue: UInt16

    /// A code by its number.
    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// 1000: the purpose of the connection was fulfilled.
    public static let normalClosure = Self(rawValue: 1000)
    /// 1001: the server is going down (a graceful stop), or the client stopped answering pings.
    public static let goingAway = Self(rawValue: 1001)
    /// 1002: the peer broke the protocol.
    public static let protocolError = Self(rawValue: 1002)
    /// 1003: a kind of data the endpoint cannot take.
    public static let unsupportedData = Self(rawValue: 1003)
    /// 1007: a text message that is not UTF-8 (or data inconsistent with its type).
    public static let invalidPayload = Self(rawValue: 1007)
    /// 1008: a message that violates the endpoint's policy.
    public static let policyViolation = Self(rawValue: 1008)
    /// 1009: a message over the maximum message size.
    public static let messageTooBig = Self(rawValue: 1009)
    /// 1011: the server met an unexpected condition (its handler threw).
    public static let internalError = Self(rawValue: 1011)

    /// Whether a peer may send this code in a close frame (1000–1003, 1007–1014, 3000–4999).
    var mayBeSentByPeer: Bool {
        switch rawValue {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }

    /// The number.
    public var description: String { "\(rawValue)" }
}
