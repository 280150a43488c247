import ArgumentParser
import HTTPD
import HTTPDHTTP2
import HTTPDRouting
import HTTPDServiceLifecycle
import HTTPDTLS
import HTTPDTutorial
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// The `httpd` demo server: the reference's tutorial application on swift-httpd.
@main
struct HTTPDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "httpd",
        abstract: "Serve the swift-httpd tutorial application.",
        discussion: "Stops cleanly on SIGINT (Ctrl-C) or SIGTERM, letting requests in progress finish for up to 5 seconds."
    )

    @Option(name: .long, help: "An address to listen on (host:port, [v6]:port, unix:/path, fd:N for an inherited listening socket); repeatable. Default: 127.0.0.1:8080, or 127.0.0.1:8443 with --tls-cert.")
    var address: [String] = []

    @Option(name: .long, help: ArgumentHelp("Serve HTTPS on the --address(es) with this PEM certificate chain (needs --tls-key); SIGHUP reloads it.", valueName: "file"))
    var tlsCert: String?

    @Option(name: .long, help: ArgumentHelp("The PEM private key of --tls-cert (RSA or ECDSA).", valueName: "file"))
    var tlsKey: String?

    @Option(name: .long, help: ArgumentHelp("With --tls-cert: ask for client certificates that verify against the PEM roots in this file (required unless --tls-client-auth optional).", valueName: "file"))
    var tlsClientCa: String?

    @Option(name: .long, help: ArgumentHelp("With --tls-client-ca: clients must present a certificate (required, the default), or may (optional; one presented must verify).", valueName: "required|optional"))
    var tlsClientAuth: ClientCertificateMode?

    @Option(name: .long, help: "With --tls-cert: also serve plain HTTP on this address; repeatable.")
    var plainAddress: [String] = []

    @Flag(name: .long, help: "Plain listeners also speak HTTP/2 in clear text to clients that open with its preface (h2c, prior knowledge). TLS listeners always offer HTTP/2 (h2) by ALPN.")
    var h2c = false

    @Flag(name: .long, help: "TLS listeners offer HTTP/1.1 only (no h2 by ALPN).")
    var noHttp2 = false

    @Option(name: .long, help: "Seconds allowed to receive a request head, or for a stalled body.")
    var requestTimeout: Int = 60

    @Option(name: .long, help: "Seconds a response may make no progress.")
    var responseTimeout: Int = 120

    @Option(name: .long, help: "The most header lines a request may carry.")
    var maxRequestHeaders: Int = 256

    @Option(name: .long, help: "The longest request target, header name or value, in bytes.")
    var maxTokenLength: Int = 1024

    @Option(name: .long, help: "The largest request body, in bytes.")
    var maxBody: Int = 1 << 20

    @Option(name: .long, help: ArgumentHelp("The largest body POST /upload takes (it streams to a temporary file).", valueName: "bytes"))
    var maxUpload: Int = TutorialApplication.defaultMaxUpload

    @Option(name: .long, help: "How far a connection's read buffer may grow, in bytes (reads start at up to 1 KiB).")
    var inputBuffer: Int = 4096

    @Option(name: .long, help: "How many bytes of a streamed response are buffered before sending.")
    var outputBuffer: Int = 4096

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(name: .long, help: "Access log lines on standard output: clf (Common Log Format), combined (with Referer and User-Agent), json (one object per line).")
    var logFormat: HTTPAccessLog.Format = .common

    @Flag(name: .long, help: "Serve Prometheus metrics (request durations, sizes, connections, refusals) at /metrics.")
    var metrics = false

    @Option(name: .long, help: ArgumentHelp("Serve the files under this directory at / instead of the tutorial application.", valueName: "dir"))
    var root: String?

    @Flag(name: .long, help: "With --root: answer a directory that has no index.html with a listing.")
    var list = false

    @Flag(name: .long, help: "With --root: serve and list hidden files (names starting with a dot).")
    var hidden = false

    @Option(name: .long, help: ArgumentHelp("A proxy (address or CIDR range) whose X-Forwarded-For/-Proto/-Host name the client; repeatable.", valueName: "address-or-cidr"))
    var trustedProxy: [String] = []

    @Flag(name: .long, help: "With --trusted-proxy: read Forwarded (RFC 7239) instead of X-Forwarded-*.")
    var forwarded = false

    @Flag(name: .long, help: "Every connection starts with a PROXY protocol header (v1 or v2), as HAProxy's send-proxy and nginx's proxy_protocol send it.")
    var proxyProtocol = false

    @Flag(name: .long, help: "Share the port with other processes (SO_REUSEPORT); SIGTERM then drains before the listener closes (set net.ipv4.tcp_migrate_req=1 so that the kernel hands what is queued at the close to the others).")
    var reusePort = false

    @Option(name: .long, help: "Run this many worker processes under a supervisor that binds the addresses once and shares the sockets with them (SIGHUP: restart them one at a time).")
    var processes: Int?

    @Option(name: .long, help: ArgumentHelp("Answer health checks here: 200, or 503 while draining.", valueName: "path"))
    var healthPath: String?

    func validate() throws {
        if let processes {
            guard processes >= 1 else { throw ValidationError("--processes must be 1 or more, got \(processes)") }
            for address in addresses + plainAddress
            where address.hasPrefix("unix:") || address.hasPrefix("fd:") || address.hasSuffix(":0") {
                throw ValidationError("--processes needs TCP addresses with a fixed port, got \(address)")
            }
        }
        guard maxUpload > 0 else { throw ValidationError("--max-upload must be positive, got \(maxUpload)") }
        if let healthPath, !healthPath.hasPrefix("/") { throw ValidationError("--health-path must start with /") }
        if forwarded && trustedProxy.isEmpty { throw ValidationError("--forwarded needs --trusted-proxy") }
        do {
            _ = try TrustedProxies(trustedProxy)
        } catch {
            throw ValidationError("--trusted-proxy: \(error)")
        }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if tlsCert == nil && (tlsClientCa != nil || !plainAddress.isEmpty) {
            throw ValidationError("--tls-client-ca and --plain-address need --tls-cert and --tls-key")
        }
        if tlsClientAuth != nil && tlsClientCa == nil { throw ValidationError("--tls-client-auth needs --tls-client-ca") }
        if (list || hidden) && root == nil { throw ValidationError("--list and --hidden need --root DIR") }
        if let root {
            var info = stat()
            guard stat(root, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                throw ValidationError("--root \(root): not a directory")
            }
        }
    }

    func run() async throws {
        if let processes {
            let shared = addresses.map { Supervisor.SharedAddress(option: "--address", address: $0) }
                + plainAddress.map { Supervisor.SharedAddress(option: "--plain-address", address: $0) }
            let supervisor = Supervisor(
                executable: Supervisor.ownExecutable(),
                arguments: Supervisor.workerArguments(Array(CommandLine.arguments.dropFirst())), addresses: shared,
                count: processes)
            let status = supervisor.run()
            if status != 0 { throw ExitCode(status) }
            return
        }
        let level = logLevel
        LoggingSystem.bootstrap { label in
            if label == HTTPAccessLog.label {
                var handler = AccessLogHandler()
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let metricsHandler = metrics ? Self.bootstrapPrometheus() : nil
        let observers: [any HTTPServerObserver] = [HTTPAccessLog(format: logFormat)]
        let tls = try tlsContext()
        let listeners = self.listeners(tls)
        let server: HTTPServer
        if let root {
            // The file server catches every path: "" is the parent of them all on a recursive mux.
            let files = FileServer(
                root: root, mountedAt: "", options: FileServer.Options(listDirectories: list, serveHiddenFiles: hidden))
            // Every handler is in the mux before the server listens: a replacement process in a rolling
            // restart never answers a request 404 for want of one.
            let mux = MiddlewareMux(RecursiveHTTPMux())
            try mux.putHandler(host: nil, path: "", handler: files.handler)
            if let healthPath { try mux.putHandler(host: nil, path: healthPath, handler: HealthCheck.handler) }
            if let metricsHandler { try mux.putHandler(host: nil, path: "/metrics", handler: metricsHandler) }
            server = try await HTTPServer.start(
                mux: mux, socketOptions: socketOptions,
                settings: try settings(), trustedProxies: try trustedProxies(), proxyProtocol: proxyProtocol ? .all : .off,
                observers: observers, listeners: listeners)
            print("Serving \(root)\(list ? " with directory listings" : "")")
        } else {
            let mux = TutorialApplication.mux()
            try TutorialApplication.register(on: mux, maxUpload: maxUpload)
            if let healthPath { try mux.putHandler(host: nil, path: healthPath, handler: HealthCheck.handler) }
            if let metricsHandler { try mux.putHandler(host: nil, path: "/metrics", handler: metricsHandler) }
            server = try await HTTPServer.start(
                mux: mux, socketOptions: socketOptions, settings: try settings(),
                trustedProxies: try trustedProxies(), proxyProtocol: proxyProtocol ? .all : .off, observers: observers,
                listeners: listeners)
        }
        for (bound, listener) in zip(server.addresses, server.listeners) {
            let scheme = listener.transport.isSecure ? "https" : "http"
            print("Serving \(scheme.uppercased()) on \(bound) (\(scheme)://\(bound)/)")
        }
        if tls != nil { reloadOnHangUp(server) }
        fflush(nil)
        WorkerReadiness.signalReady()
        // SIGINT and SIGTERM stop the server gracefully: requests in progress get 5 seconds to finish.
        // A server sharing its port (a --processes worker on the supervisor's sockets, or --reuse-port)
        // drains first, so that the others take every new connection.
        let sharesPort = reusePort || (addresses + plainAddress).contains { $0.hasPrefix("fd:") }
        let service = HTTPService(server, gracePeriod: sharesPort ? .seconds(10) : .seconds(5), handsOverPort: sharesPort)
        let group = ServiceGroup(
            services: [service],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: server.logger)
        try await group.run()
    }

    /// Bootstraps swift-metrics with a Prometheus registry (the server then reports `HTTPMetrics` to it)
    /// and returns the handler that serves the registry as Prometheus text.
    private static func bootstrapPrometheus() -> HTTPHandler {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return { _, response in
            try await response.write(
                status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                body: registry.emitToBuffer())
        }
    }

    /// The addresses of `--address`, or the default for the protocol.
    private var addresses: [String] {
        address.isEmpty ? [tlsCert == nil ? "127.0.0.1:8080" : "127.0.0.1:8443"] : address
    }

    /// The TLS context of `--tls-cert` and `--tls-key`, or nil; a bad file stops the program with its name.
    private func tlsContext() throws -> HTTPSContext? {
        guard let tlsCert, let tlsKey else { return nil }
        do {
            return try HTTPSContext(
                certificate: TLSCertificateFiles(chain: tlsCert, key: tlsKey),
                clientAuthentication: tlsClientCa.map { (tlsClientAuth ?? .required).authentication(trustRoots: $0) } ?? .none)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// TLS listeners on the addresses (HTTP/2 and HTTP/1.1 by ALPN, unless `--no-http2`) and plain ones
    /// on `--plain-address` with TLS; else plain ones. Plain listeners speak h2c too with `--h2c`.
    private func listeners(_ tls: HTTPSContext?) -> [HTTPListener] {
        let plain: (String) -> HTTPListener = { h2c ? HTTPListener.h2c($0) : HTTPListener.plain($0) }
        guard let tls else { return addresses.map(plain) }
        let secure: (String) -> HTTPListener = { noHttp2 ? HTTPListener.tls($0, tls) : HTTPListener.http2($0, tls: tls) }
        return addresses.map(secure) + plainAddress.map(plain)
    }

    /// SIGHUP reloads the certificate and key from the same files, as nginx does: new connections get
    /// them, open ones carry on, and a bad file leaves the old ones in use. Either way it is logged.
    private func reloadOnHangUp(_ server: HTTPServer) {
        Task.detached {
            for await _ in await UnixSignalsSequence(trapping: .sighup) {
                do {
                    try server.reloadTLS()
                    server.logger.notice("TLS certificate reloaded", metadata: ["reloads": "\(server.tlsContexts.first?.reloadCount ?? 0)"])
                } catch {
                    server.logger.error("TLS reload failed, the previous certificate stays in use: \(error)")
                }
            }
        }
    }

    /// The listening sockets' options: `SO_REUSEADDR`, and `SO_REUSEPORT` with `--reuse-port`.
    private var socketOptions: [SocketOption] {
        reusePort ? [.reuseAddress, .reusePort] : [.reuseAddress]
    }

    /// The trusted proxies from `--trusted-proxy`, or nil.
    private func trustedProxies() throws -> TrustedProxies? {
        trustedProxy.isEmpty ? nil : try TrustedProxies(trustedProxy, headers: forwarded ? .forwarded : .xForwarded)
    }

    /// The settings from the command line, each checked by its setter (which names a bad value).
    private func settings() throws -> HTTPSettings {
        try HTTPSettings.setRequestTimeout(.seconds(requestTimeout))
        try HTTPSettings.setResponseTimeout(.seconds(responseTimeout))
        try HTTPSettings.setMaxRequestHeaders(maxRequestHeaders)
        try HTTPSettings.setMaxTokenLength(maxTokenLength)
        try HTTPSettings.setMaxRequestBodyLength(maxBody)
        try HTTPSettings.setInputBufferSize(inputBuffer)
        try HTTPSettings.setOutputBufferSize(outputBuffer)
        return HTTPSettings()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension HTTPAccessLog.Format: ExpressibleByArgument {}
