#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CoreMetrics
import NIOCore
import NIOHTTP1

/// The observers of one server, and what the connections tell them: the one place where exchanges
/// become `HTTPExchangeRecord`s. A server has none (nil in `ServerContext`, and the connections skip
/// every call) unless the program gave observers or bootstrapped a metrics backend.
final class ServerObservers: Sendable {
    let observers: [any HTTPServerObserver]

    private init(_ observers: [any HTTPServerObserver]) {
        self.observers = observers
    }

    /// The observers for a server given `observers`: those, plus `HTTPMetrics` on the bootstrapped
    /// metrics backend when there is one and none was given; nil when that leaves none.
    static func make(_ observers: [any HTTPServerObserver]) -> ServerObservers? {
        var all = observers
        if !all.contains(where: { $0 is HTTPMetrics }), !(MetricsSystem.factory is NOOPMetricsHandler) {
            all.append(HTTPMetrics())
        }
        return all.isEmpty ? nil : ServerObservers(all)
    }

    // MARK: Connections

    /// A connection was accepted: reported now, and its close when it comes.
    func connectionOpened(_ channel: any Channel) {
        for index in observers.indices { observers[index].connectionOpened() }
        channel.closeFuture.whenComplete { _ in
            for index in self.observers.indices { self.observers[index].connectionClosed() }
        }
    }

    /// A listener failed to accept.
    func acceptFailed(_ error: any Error) {
        for index in observers.indices { observers[index].acceptFailed(error) }
    }

    // MARK: Exchanges

    /// A request head was taken and its handler is about to run.
    func began(_ exchange: Exchange, request: HTTPRequest) {
        exchange.startUptime = NIODeadline.now().uptimeNanoseconds
        exchange.observedClient = (request.client, request.clientPort)
        let method = exchange.head.method.rawValue
        for index in observers.indices { observers[index].requestStarted(method: method) }
    }

    /// `exchange` is over (its response is out, or the connection closed under it); reported once.
    func ended(_ exchange: Exchange, on connection: HTTPConnection) {
        guard !exchange.reported else { return }
        exchange.reported = true
        let elapsed = Int64(NIODeadline.now().uptimeNanoseconds &- exchange.startUptime)
        let record = Self.record(
            head: exchange.head, client: exchange.observedClient ?? (connection.client, connection.clientPort), nanoseconds: elapsed, status: exchange.responseStatus,
            responseBodyBytes: exchange.responseBodyBytes, requestBodyBytes: exchange.body.received,
            ending: Self.ending(of: exchange), reachedHandler: true)
        for index in observers.indices { observers[index].exchangeCompleted(record) }
    }

    /// The server refused a request with `status` before any handler ran (`head` is nil when the head
    /// never parsed), sending `responseBodyBytes` of body.
    func refused(status: Int, head: HTTPRequestHead?, responseBodyBytes: Int, on connection: HTTPConnection) {
        let ending: HTTPExchangeRecord.Ending = status == 408 ? .timedOut(.requestHead) : .refused(.init(status: status))
        let record = Self.record(
            head: head, client: (connection.client, connection.clientPort), nanoseconds: 0, status: status, responseBodyBytes: responseBodyBytes,
            requestBodyBytes: 0, ending: ending, reachedHandler: false)
        for index in observers.indices { observers[index].exchangeCompleted(record) }
    }

    /// How an exchange that reached a handler ended: a timeout or failure the connection noted, the
    /// body error the handler was given, or whether its response got out.
    static func ending(of exchange: Exchange) -> HTTPExchangeRecord.Ending {
        if let interruption = exchange.interruption { return interruption }
        if exchange.body.destination == .collected || exchange.body.destination == .streamed,
            case .failed(let error) = exchange.body.state
        {
            switch error {
            case .requestTimedOut: return .timedOut(.requestBody)
            case .requestBodyTooLarge: return .refused(.bodyTooLarge)
            case .malformedRequestBody: return .refused(.badFraming)
            default: break
            }
        }
        return exchange.responseFinished ? .completed : .clientGone
    }

    private static func record(
        head: HTTPRequestHead?, client: (address: String, port: Int?), nanoseconds: Int64, status: Int?, responseBodyBytes: Int,
        requestBodyBytes: Int, ending: HTTPExchangeRecord.Ending, reachedHandler: Bool
    ) -> HTTPExchangeRecord {
        HTTPExchangeRecord(
            client: client.address, clientPort: client.port, startTime: wallClockNow() - .nanoseconds(nanoseconds),
            durationNanoseconds: nanoseconds,
            request: head.map {
                .init(method: $0.method.rawValue, target: $0.uri, version: versionText($0.version))
            },
            requestHeaders: head?.headers ?? HTTPHeaders(), status: status, responseBodyBytes: responseBodyBytes,
            requestBodyBytes: requestBodyBytes, ending: ending, reachedHandler: reachedHandler)
    }

    /// `HTTP/1.1`, `HTTP/1.0` (constants, not formatted), or whatever a refused head said.
    private static func versionText(_ version: HTTPVersion) -> String {
        switch (version.major, version.minor) {
        case (1, 1): "HTTP/1.1"
        case (1, 0): "HTTP/1.0"
        default: "HTTP/\(version.major).\(version.minor)"
        }
    }

    /// Now, as wall-clock time since 1970-01-01 00:00 UTC.
    static func wallClockNow() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return .seconds(Int64(now.tv_sec)) + .nanoseconds(Int64(now.tv_nsec))
    }
}
