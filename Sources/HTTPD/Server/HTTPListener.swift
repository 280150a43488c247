import Logging
import NIOCore

/// One address a server listens on, and how its connections are carried below HTTP: plain TCP, or
/// wrapped by a transport that adds its own channel handlers ahead of the HTTP ones (TLS, from the
/// `HTTPDTLS` library: `HTTPListener.tls(_:_:)`).
///
/// ```swift
/// let server = try await HTTPServer.start(mux: mux, listeners: [.plain("127.0.0.1:8080"), .tls("127.0.0.1:8443", tls)])
/// ```
public struct HTTPListener: Sendable {
    /// Where to listen, written as in `HTTPServer.start`'s `addresses` (`"127.0.0.1:8080"`, `"unix:/path"`).
    public let address: String
    /// How the listener's connections are carried.
    public let transport: Transport

    /// A listener on `address` whose connections use `transport`.
    public init(address: String, transport: Transport = .plain) {
        self.address = address
        self.transport = transport
    }

    /// A plain HTTP listener on `address`.
    public static func plain(_ address: String) -> HTTPListener {
        HTTPListener(address: address)
    }

    /// How a listener's connections are carried below HTTP: what a transport adds to each new
    /// connection's pipeline, and what the connection must know about it.
    public struct Transport: Sendable {
        /// Prepares one accepted connection, on its event loop, before the HTTP handlers are added: adds
        /// the transport's handlers with `channel.pipeline.syncOperations` (logging to the server's
        /// `logger`), and returns what the requests of that connection may learn about it
        /// (`HTTPRequest.transportDetails`), or nil.
        public typealias ConnectionInitializer = @Sendable (_ channel: any Channel, _ logger: Logger) throws -> (any Sendable)?

        /// Plain TCP: no handlers, not secure, files go out with `sendfile`.
        public static let plain = Transport(
            isSecure: false, allowsFileRegions: true, configuration: nil, initializer: nil, protocolSelector: nil)

        /// The connections are secure (`HTTPRequest.isSecure`, and `scheme` is `"https"`).
        public let isSecure: Bool
        /// File responses may be written as NIO `FileRegion`s (`sendfile`); false when a handler between
        /// HTTP and the socket must see the bytes (TLS encrypts them), and files are then read in chunks.
        public let allowsFileRegions: Bool
        /// What the transport was made from, for the library that made it to find again through
        /// `HTTPServer.listeners` (`HTTPDTLS` keeps the listener's `HTTPSContext` here); nil for plain TCP.
        public let configuration: (any Sendable)?
        /// Adds the transport's handlers to each new connection; nil for plain TCP.
        let initializer: ConnectionInitializer?
        /// Chooses the protocol each connection speaks (HTTP/1.1, or HTTP/2 by ALPN or its preface) and
        /// sets the connection up for it through `HTTPServing`; nil: HTTP/1.1, set up at once.
        let protocolSelector: ProtocolSelector?

        /// Sets up one accepted connection, after the transport's own handlers, for the protocol it
        /// speaks: `serving` adds the HTTP/1.1 handlers, or one HTTP/2 stream's (`HTTPDHTTP2` uses this).
        package typealias ProtocolSelector = @Sendable (_ channel: any Channel, _ serving: HTTPServing) throws -> Void

        /// A transport that prepares each connection with `initializeConnection`.
        ///
        /// - Parameters:
        ///   - isSecure: whether requests over it count as secure (`https`).
        ///   - allowsFileRegions: whether file responses may use `sendfile`; false for any transport
        ///     that transforms the bytes.
        ///   - configuration: what the transport was made from, kept for its library (see `configuration`).
        ///   - initializeConnection: adds the transport's handlers (after a PROXY protocol handler, before
        ///     HTTP); what it throws closes the connection.
        public init(
            isSecure: Bool, allowsFileRegions: Bool, configuration: (any Sendable)? = nil,
            initializeConnection: @escaping ConnectionInitializer
        ) {
            self.init(
                isSecure: isSecure, allowsFileRegions: allowsFileRegions, configuration: configuration,
                initializer: initializeConnection, protocolSelector: nil)
        }

        /// This transport with `selector` choosing each connection's protocol (see `ProtocolSelector`).
        package func selectingProtocol(with selector: @escaping ProtocolSelector) -> Transport {
            Transport(
                isSecure: isSecure, allowsFileRegions: allowsFileRegions, configuration: configuration,
                initializer: initializer, protocolSelector: selector)
        }

        private init(
            isSecure: Bool, allowsFileRegions: Bool, configuration: (any Sendable)?, initializer: ConnectionInitializer?,
            protocolSelector: ProtocolSelector?
        ) {
            self.isSecure = isSecure
            self.allowsFileRegions = allowsFileRegions
            self.configuration = configuration
            self.initializer = initializer
            self.protocolSelector = protocolSelector
        }
    }
}

/// What one connection knows about its transport, fixed when it is accepted.
struct ConnectionTransport: Sendable {
    /// A plain TCP connection.
    static let plain = ConnectionTransport(isSecure: false, allowsFileRegions: true, details: nil)

    /// The connection is secure (TLS).
    let isSecure: Bool
    /// File responses may use `FileRegion` (`sendfile`).
    let allowsFileRegions: Bool
    /// What the transport's initializer returned for the requests to see.
    let details: (any Sendable)?
}
