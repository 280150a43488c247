import AsyncHTTPClient
import HTTPD
import HTTPDTLS
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// The committed test certificates (Fixtures/make-fixtures.sh made them, valid until 2081).
enum Fixture {
    static let folder: String = {
        let file = "\(#filePath)"
        return String(file[..<file.lastIndex(of: "/")!]) + "/Fixtures/"
    }()
    static func path(_ name: String) -> String { folder + name }
    static let rsa = TLSCertificateFiles(chain: path("server-rsa.pem"), key: path("server-rsa-key.pem"))
    static let ec = TLSCertificateFiles(chain: path("server-ec.pem"), key: path("server-ec-key.pem"))
    static let aExample = TLSCertificateFiles(chain: path("a-example.pem"), key: path("a-example-key.pem"))
    static let bExample = TLSCertificateFiles(chain: path("b-example.pem"), key: path("b-example-key.pem"))
    static let client = TLSCertificateFiles(chain: path("client.pem"), key: path("client-key.pem"))
    static let rogueClient = TLSCertificateFiles(chain: path("rogue-client.pem"), key: path("rogue-client-key.pem"))
    static let ca = path("ca.pem")
    static let clientCA = path("client-ca.pem")
}

/// A TLS client for tests: one connection, a handshake with the options given, a raw request, the bytes
/// until the server closes.
enum TLSProbe {
    struct Outcome: Sendable {
        /// The common name of the certificate the server presented.
        var serverCommonName: String?
        /// Everything the server sent after the handshake, until it closed.
        var response: String
        /// The handshake or the connection failed with this.
        var error: String?
    }

    /// Connects to 127.0.0.1:`port` and sends `request` once the handshake is done.
    static func run(
        port: Int, serverName: String? = "localhost", request: String = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        minimum: TLSVersion = .tlsv12, maximum: TLSVersion? = nil, clientCertificate: TLSCertificateFiles? = nil
    ) async throws -> Outcome {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(Fixture.ca)
        configuration.minimumTLSVersion = minimum
        configuration.maximumTLSVersion = maximum
        configuration.certificateVerification = .noHostnameVerification
        if let clientCertificate {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(clientCertificate.chain).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: clientCertificate.key, format: .pem))
        }
        let context = try NIOSSLContext(configuration: configuration)
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tls = try NIOSSLClientHandler(context: context, serverHostname: serverName)
                    try channel.pipeline.syncOperations.addHandlers(tls, collector)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        // A refused handshake closes the channel before (or while) the request is written.
        try? await channel.writeAndFlush(ByteBuffer(string: request)).get()
        try await channel.closeFuture.get()
        return collector.outcome.withLockedValue { $0 }
    }

    /// Collects what the server sends and who it said it was.
    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let outcome = NIOLockedValueBox(Outcome(serverCommonName: nil, response: ""))

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let text = String(buffer: unwrapInboundIn(data))
            outcome.withLockedValue { $0.response += text }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .handshakeCompleted? = event as? TLSUserEvent,
                let tls = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self),
                let name = tls.peerCertificate?.subjectName.first(where: { $0.type == .commonName })?.value
            {
                outcome.withLockedValue { $0.serverCommonName = name }
            }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            outcome.withLockedValue { $0.error = "\(error)" }
            context.close(promise: nil)
        }
    }
}

/// An AsyncHTTPClient that trusts the test CA (and presents `clientCertificate`, if given).
func tlsHTTPClient(clientCertificate: TLSCertificateFiles? = nil, maximum: TLSVersion? = nil) throws -> HTTPClient {
    var tls = TLSConfiguration.makeClientConfiguration()
    tls.trustRoots = .file(Fixture.ca)
    tls.maximumTLSVersion = maximum
    if let clientCertificate {
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(clientCertificate.chain).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: clientCertificate.key, format: .pem))
    }
    var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
    configuration.timeout.connect = .seconds(10)
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}

/// Runs `body` with `client`, then shuts the client down however `body` ends. A client freed without
/// `shutdown()` stops the process in a debug build (AsyncHTTPClient's precondition): one request that
/// fails or times out on a loaded machine would otherwise crash the whole test run, not fail one test.
func withHTTPClient<T>(_ client: HTTPClient, _ body: (HTTPClient) async throws -> T) async throws -> T {
    let result: T
    do {
        result = try await body(client)
    } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
    return result
}

/// `GET url` through `client`: status and body text.
func fetch(_ client: HTTPClient, _ url: String) async throws -> (status: Int, body: String) {
    let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
    let body = try await response.body.collect(upTo: 64 << 20)
    return (Int(response.status.code), String(buffer: body))
}
