import NIOConcurrencyHelpers

/// The limits and timeouts a server enforces: the reference's seven `set-httpd-…!` settings.
///
/// `HTTPSettings()` starts from the process-wide defaults, which begin at the reference's values and
/// are changed with the validating static setters (`HTTPSettings.setRequestTimeout(_:)` and its
/// siblings). A server started with its own `HTTPSettings` value uses that instead.
public struct HTTPSettings: Sendable, Hashable {
    /// The longest time to receive a whole request head, and the longest a request body may stall.
    public var requestTimeout: Duration
    /// The longest a response may make no progress: a write waiting for a client that does not read,
    /// or a handler that never answers (its task is cancelled and the connection closed).
    public var responseTimeout: Duration
    /// The most header lines a request may carry (431 beyond it).
    public var maxRequestHeaders: Int
    /// The longest request target (414 beyond it), header name or header value (431 beyond it), in bytes.
    public var maxTokenLength: Int
    /// The largest request body, in bytes (413 beyond it).
    public var maxRequestBodyLength: Int
    /// How far a connection's read buffer may grow, in bytes (reads start at up to 1 KiB and grow with
    /// the traffic to this size, or to 64 KiB when that is larger).
    public var inputBufferSize: Int
    /// How many bytes of a streamed response are buffered before they are sent, in bytes.
    public var outputBufferSize: Int
    /// Whether `TRACE` requests are echoed back (off by default: the echo leaks credentials).
    public var traceEnabled: Bool

    /// The reference implementation's defaults: 60 s, 120 s, 256 headers, 1024-byte tokens,
    /// 1 MiB bodies, 4 KiB input and output buffers, TRACE off.
    public static let referenceDefaults = HTTPSettings(
        requestTimeout: .seconds(60),
        responseTimeout: .seconds(120),
        maxRequestHeaders: 256,
        maxTokenLength: 1024,
        maxRequestBodyLength: 1024 * 1024,
        inputBufferSize: 4096,
        outputBufferSize: 4096,
        traceEnabled: false
    )

    private static let processDefaults = NIOLockedValueBox(HTTPSettings.referenceDefaults)

    /// The process-wide defaults, as last changed by the static setters.
    public init() {
        self = HTTPSettings.processDefaults.withLockedValue { $0 }
    }

    /// Settings with every value given.
    public init(
        requestTimeout: Duration,
        responseTimeout: Duration,
        maxRequestHeaders: Int,
        maxTokenLength: Int,
        maxRequestBodyLength: Int,
        inputBufferSize: Int,
        outputBufferSize: Int,
        traceEnabled: Bool = false
    ) {
        self.requestTimeout = requestTimeout
        self.responseTimeout = responseTimeout
        self.maxRequestHeaders = maxRequestHeaders
        self.maxTokenLength = maxTokenLength
        self.maxRequestBodyLength = maxRequestBodyLength
        self.inputBufferSize = inputBufferSize
        self.outputBufferSize = outputBufferSize
        self.traceEnabled = traceEnabled
    }

    /// Throws `HTTPDError.invalidSetting` naming the first value that is not positive.
    public func validate() throws(HTTPDError) {
        try Self.requirePositive("requestTimeout", requestTimeout)
        try Self.requirePositive("responseTimeout", responseTimeout)
        try Self.requirePositive("maxRequestHeaders", maxRequestHeaders)
        try Self.requirePositive("maxTokenLength", maxTokenLength)
        try Self.requirePositive("maxRequestBodyLength", maxRequestBodyLength)
        try Self.requirePositive("inputBufferSize", inputBufferSize)
        try Self.requirePositive("outputBufferSize", outputBufferSize)
    }

    // MARK: The process-wide setters (`set-httpd-…!`)

    /// Sets the process-wide request timeout (`set-httpd-request-timeout!`).
    public static func setRequestTimeout(_ value: Duration) throws(HTTPDError) {
        try update("requestTimeout", value, \.requestTimeout)
    }

    /// Sets the process-wide response timeout (`set-httpd-response-timeout!`).
    public static func setResponseTimeout(_ value: Duration) throws(HTTPDError) {
        try update("responseTimeout", value, \.responseTimeout)
    }

    /// Sets the process-wide maximum number of request headers (`set-httpd-max-request-headers!`).
    public static func setMaxRequestHeaders(_ value: Int) throws(HTTPDError) {
        try update("maxRequestHeaders", value, \.maxRequestHeaders)
    }

    /// Sets the process-wide maximum token length (`set-httpd-max-token-length!`).
    public static func setMaxTokenLength(_ value: Int) throws(HTTPDError) {
        try update("maxTokenLength", value, \.maxTokenLength)
    }

    /// Sets the process-wide maximum request body length (`set-httpd-max-request-body-length!`).
    public static func setMaxRequestBodyLength(_ value: Int) throws(HTTPDError) {
        try update("maxRequestBodyLength", value, \.maxRequestBodyLength)
    }

    /// Sets the process-wide input buffer size (`set-httpd-input-buffer-size!`).
    public static func setInputBufferSize(_ value: Int) throws(HTTPDError) {
        try update("inputBufferSize", value, \.inputBufferSize)
    }

    /// Sets the process-wide output buffer size (`set-httpd-output-buffer-size!`).
    public static func setOutputBufferSize(_ value: Int) throws(HTTPDError) {
        try update("outputBufferSize", value, \.outputBufferSize)
    }

    private static func update<Value: PositiveCheckable>(
        _ name: String, _ value: Value, _ field: WritableKeyPath<HTTPSettings, Value>
    ) throws(HTTPDError) {
        try requirePositive(name, value)
        processDefaults.withLockedValue { $0[keyPath: field] = value }
    }

    private static func requirePositive<Value: PositiveCheckable>(_ name: String, _ value: Value) throws(HTTPDError) {
        guard value.isPositive else {
            throw .invalidSetting(name: name, value: "\(value)")
        }
    }
}

/// A setting's value that can be checked for being above zero.
private protocol PositiveCheckable: Sendable {
    var isPositive: Bool { get }
}

extension Int: PositiveCheckable {
    var isPositive: Bool { self > 0 }
}

extension Duration: PositiveCheckable {
    var isPositive: Bool { self > .zero }
}
