// The load client of scripts/live.sh, on SwiftNIO with one event loop.
//   ws-load echo PORT CONNECTIONS SECONDS [MESSAGE_BYTES]
//       opens CONNECTIONS WebSockets to /ws; each sends a masked text message of MESSAGE_BYTES (32,
//       at most 125) and the next once the echo is back; after one second unmeasured, counts the
//       echoes for SECONDS and prints "messages/s N".
//   ws-load echo-count PORT CONNECTIONS MESSAGES
//       the same echo, but each connection sends exactly MESSAGES messages, then closes; prints
//       "echoes N" (for instruction counts per message under callgrind: scripts/ws-callgrind.sh)
//   ws-load sse PORT STREAMS SECONDS
//       opens STREAMS event streams to /events, waits for each one's first event, prints "open N",
//       and holds them for SECONDS.
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix

let arguments = CommandLine.arguments
guard arguments.count >= 5, let port = Int(arguments[2]), let count = Int(arguments[3]), let seconds = Int(arguments[4]) else {
    print("usage: ws-load echo PORT CONNECTIONS SECONDS [MESSAGE_BYTES] | ws-load sse PORT STREAMS SECONDS")
    exit(2)
}
let mode = arguments[1]
let messageBytes = arguments.count > 5 ? min(125, Int(arguments[5]) ?? 32) : 32
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let loop = group.next()

/// One connection: the handshake (or the event-stream request), then echo round trips or holding.
final class LoadConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Mode { case echo, events }
    let mode: Mode
    let frame: ByteBuffer
    var opened = false
    var echoes = 0
    /// The most echoes to ask for (echo-count), then the connection closes.
    var limit = Int.max
    var pending = ByteBuffer()

    init(mode: Mode, messageBytes: Int) {
        self.mode = mode
        let mask: [UInt8] = [1, 2, 3, 4]
        var frame = ByteBuffer()
        frame.writeBytes([0x81, 0x80 | UInt8(messageBytes)] + mask)
        frame.writeBytes((0..<messageBytes).map { UInt8(ascii: "a") ^ mask[$0 % 4] })
        self.frame = frame
    }

    func channelActive(context: ChannelHandlerContext) {
        let request =
            mode == .echo
            ? "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            : "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: request)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        pending.writeBuffer(&bytes)
        if !opened {
            let view = pending.readableBytesView
            let marker: [UInt8] = mode == .echo ? Array("\r\n\r\n".utf8) : Array("data: open".utf8)
            guard let end = view.firstRange(of: marker) else { return }
            opened = true
            if mode == .events {
                pending.clear()
                return
            }
            pending.moveReaderIndex(to: end.upperBound)
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        }
        if mode == .events {
            pending.clear()  // heartbeats
            return
        }
        while pending.readableBytes >= 2 {
            let first = pending.getInteger(at: pending.readerIndex, as: UInt8.self)!
            let second = pending.getInteger(at: pending.readerIndex + 1, as: UInt8.self)!
            var length = Int(second & 0x7F)
            var header = 2
            if length == 126 {
                guard pending.readableBytes >= 4 else { return }
                length = Int(pending.getInteger(at: pending.readerIndex + 2, as: UInt16.self)!)
                header = 4
            }
            guard pending.readableBytes >= header + length else { return }
            pending.moveReaderIndex(forwardBy: header)
            let payload = pending.readSlice(length: length)!
            switch first & 0x0F {
            case 0x1, 0x2:
                echoes += 1
                if echoes >= limit {
                    context.close(promise: nil)
                    return
                }
                context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
            case 0x9:  // a ping: answer with a masked pong
                var pong = ByteBuffer(bytes: [0x8A, 0x80 | UInt8(length), 0, 0, 0, 0])
                pong.writeImmutableBuffer(payload)
                context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
            default:
                break
            }
        }
        pending.discardReadBytes()
    }
}

/// The connections, touched only on `loop`.
nonisolated(unsafe) var connections: [LoadConnection] = []

func connect(_ total: Int, mode: LoadConnection.Mode, limit: Int = .max) async throws {
    var started = 0
    while started < total {
        let batch = min(500, total - started)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for _ in 0..<batch {
                tasks.addTask {
                    _ = try await ClientBootstrap(group: loop)
                        .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                        .channelInitializer { channel in
                            channel.eventLoop.makeCompletedFuture {
                                let handler = LoadConnection(mode: mode, messageBytes: messageBytes)
                                handler.limit = limit
                                connections.append(handler)
                                try channel.pipeline.syncOperations.addHandler(handler)
                            }
                        }
                        .connect(host: "127.0.0.1", port: port).get()
                }
            }
            try await tasks.waitForAll()
        }
        started += batch
    }
}

func tally() async throws -> (opened: Int, echoes: Int) {
    try await loop.submit { connections.reduce((0, 0)) { ($0.0 + ($1.opened ? 1 : 0), $0.1 + $1.echoes) } }.get()
}

func waitUntilOpen(_ total: Int) async throws {
    for _ in 0..<6000 where try await tally().opened < total {
        try await Task.sleep(for: .milliseconds(10))
    }
    let opened = try await tally().opened
    guard opened == total else {
        print("only \(opened) of \(total) opened")
        exit(1)
    }
}

switch mode {
case "echo":
    try await connect(count, mode: .echo)
    try await waitUntilOpen(count)
    try await Task.sleep(for: .seconds(1))
    let before = try await tally().echoes
    let start = ContinuousClock.now
    try await Task.sleep(for: .seconds(seconds))
    let after = try await tally().echoes
    let elapsed = ContinuousClock.now - start
    let rate = Double(after - before) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    print("messages/s \(Int(rate))")
case "echo-count":
    try await connect(count, mode: .echo, limit: seconds)
    let total = count * seconds
    for _ in 0..<600_000 where try await tally().echoes < total {
        try await Task.sleep(for: .milliseconds(10))
    }
    print("echoes \(try await tally().echoes)")
case "sse":
    try await connect(count, mode: .events)
    try await waitUntilOpen(count)
    print("open \(count)")
    fflush(nil)
    try await Task.sleep(for: .seconds(seconds))
default:
    print("unknown mode \(mode)")
    exit(2)
}
