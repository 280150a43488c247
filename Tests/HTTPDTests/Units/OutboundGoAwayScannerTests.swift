import NIOCore
import Testing

@testable import HTTPDHTTP2

/// `OutboundGoAwayScanner` finds GOAWAY frames in outbound bytes however they are split, and never in
/// a payload.
@Suite("Outbound GOAWAY scanner")
struct OutboundGoAwayScannerTests {
    /// SETTINGS, a DATA frame whose payload looks like a GOAWAY, a GOAWAY (last stream 7,
    /// ENHANCE_YOUR_CALM, with debug data), then a PING.
    static let bytes: [UInt8] =
        H2Frame.settings([(.maxConcurrentStreams, 100)]).bytes
        + H2Frame.data(stream: 1, H2Frame(type: H2Type.goAway, flags: 0, stream: 0, payload: H2Frame.uint32(3) + H2Frame.uint32(1)).bytes).bytes
        + H2Frame(type: H2Type.goAway, flags: 0, stream: 0, payload: H2Frame.uint32(7) + H2Frame.uint32(0xb) + Array("calm".utf8)).bytes
        + H2Frame.ping().bytes

    @Test("One GOAWAY in one write, none in a DATA payload that looks like one")
    func wholeWrite() {
        var scanner = OutboundGoAwayScanner()
        #expect(scanner.scan(ByteBuffer(bytes: Self.bytes)) == [.init(lastStreamID: 7, errorCode: 0xb)])
    }

    @Test("The same bytes split at every offset, and written one byte at a time")
    func splitWrites() {
        for split in 0...Self.bytes.count {
            var scanner = OutboundGoAwayScanner()
            let found =
                scanner.scan(ByteBuffer(bytes: Self.bytes[..<split])) + scanner.scan(ByteBuffer(bytes: Self.bytes[split...]))
            #expect(found == [.init(lastStreamID: 7, errorCode: 0xb)], "split at \(split)")
        }
        var scanner = OutboundGoAwayScanner()
        let found = Self.bytes.flatMap { scanner.scan(ByteBuffer(bytes: [$0])) }
        #expect(found == [.init(lastStreamID: 7, errorCode: 0xb)])
    }

    @Test("A DATA payload sent as a file region is passed over")
    func fileRegionPayload() {
        var scanner = OutboundGoAwayScanner()
        // A DATA frame header for 1,000 bytes, the payload not seen (a file region), then a GOAWAY.
        let header = Array(H2Frame.data(stream: 1, [UInt8](repeating: 0, count: 1_000)).bytes.prefix(9))
        #expect(scanner.scan(ByteBuffer(bytes: header)) == [])
        scanner.skip(1_000)
        let goAway = H2Frame(type: H2Type.goAway, flags: 0, stream: 0, payload: H2Frame.uint32(0x7fff_ffff) + H2Frame.uint32(0)).bytes
        #expect(scanner.scan(ByteBuffer(bytes: goAway)) == [.init(lastStreamID: 0x7fff_ffff, errorCode: 0)])
    }
}
