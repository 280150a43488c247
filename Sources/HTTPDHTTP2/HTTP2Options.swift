import HTTPD

/// What an HTTP/2 listener advertises and enforces beyond the server's `HTTPSettings` (which hold over
/// HTTP/2 too: header limits, body limit, request and response timeouts).
public struct HTTP2Options: Sendable, Hashable {
    /// The most streams a client may have open at once on one connection
    /// (`SETTINGS_MAX_CONCURRENT_STREAMS`); a stream over it is refused with `REFUSED_STREAM`. 100.
    public let maxConcurrentStreams: Int
    /// The flow-control window the server grants each stream, and the connection, for request bodies
    /// (`SETTINGS_INITIAL_WINDOW_SIZE`): what a client may send ahead of the handler reading it. 65,535.
    public let windowSize: Int

    /// The defaults: 100 concurrent streams, 65,535-byte windows (HTTP/2's own default).
    public static let defaults = HTTP2Options(checkedMaxConcurrentStreams: 100, windowSize: 65_535)

    /// Options with the given values.
    ///
    /// - Throws: `HTTPDError.invalidSetting` for fewer than 1 stream, or a window outside
    ///   1...2,147,483,647 bytes (RFC 9113 §6.9.2).
    public init(maxConcurrentStreams: Int = 100, windowSize: Int = 65_535) throws(HTTPDError) {
        guard maxConcurrentStreams >= 1, maxConcurrentStreams <= Int(Int32.max) else {
            throw .invalidSetting(name: "maxConcurrentStreams", value: "\(maxConcurrentStreams)")
        }
        guard windowSize >= 1, windowSize <= Int(Int32.max) else {
            throw .invalidSetting(name: "windowSize", value: "\(windowSize)")
        }
        self.init(checkedMaxConcurrentStreams: maxConcurrentStreams, windowSize: windowSize)
    }

    private init(checkedMaxConcurrentStreams: Int, windowSize: Int) {
        self.maxConcurrentStreams = checkedMaxConcurrentStreams
        self.windowSize = windowSize
    }
}
