import NIOCore

/// Follows the frames of an HTTP/2 connection's outbound bytes (as NIOHTTP2's handler writes them, in
/// order) and picks out the GOAWAY frames: their last stream id and error code. Payloads are skipped by
/// length without being looked at, so a response body that happens to look like a frame is never
/// taken for one.
struct OutboundGoAwayScanner {
    /// A GOAWAY the connection sent.
    struct GoAway: Equatable {
        let lastStreamID: UInt32
        let errorCode: UInt32
    }

    /// HTTP/2's frame header: 24-bit length, type, flags, 32-bit stream id (RFC 9113 §4.1).
    private static let headerLength = 9
    /// A GOAWAY's payload begins with the last stream id and the error code (RFC 9113 §6.8).
    private static let goAwayPrefixLength = 8
    private static let goAwayType: UInt8 = 0x7

    /// The bytes of the frame header (and, for a GOAWAY, of its payload's first 8 bytes) read so far.
    private var pending: [UInt8] = []
    /// The bytes of the current frame's payload still to pass over.
    private var toSkip = 0

    /// Follows `bytes`; the GOAWAY frames that completed in them.
    mutating func scan(_ bytes: ByteBuffer) -> [GoAway] {
        var view = bytes.readableBytesView[...]
        var found: [GoAway] = []
        while !view.isEmpty {
            if toSkip > 0 {
                let skipped = min(toSkip, view.count)
                view = view.dropFirst(skipped)
                toSkip -= skipped
                continue
            }
            let wanted = isGoAwayHeader ? Self.headerLength + Self.goAwayPrefixLength : Self.headerLength
            let taken = min(wanted - pending.count, view.count)
            pending += view.prefix(taken)
            view = view.dropFirst(taken)
            if let goAway = frameCompleted() { found.append(goAway) }
        }
        return found
    }

    /// Passes over `count` bytes that are not looked at (a file region: a DATA frame's payload).
    mutating func skip(_ count: Int) {
        toSkip = max(0, toSkip - count)
    }

    /// Whether the header read so far is whole and a GOAWAY's.
    private var isGoAwayHeader: Bool {
        pending.count >= Self.headerLength && pending[3] == Self.goAwayType && payloadLength >= Self.goAwayPrefixLength
    }

    private var payloadLength: Int {
        Int(pending[0]) << 16 | Int(pending[1]) << 8 | Int(pending[2])
    }

    /// Moves past a frame whose header (and GOAWAY prefix) is all read: the GOAWAY, if it was one.
    private mutating func frameCompleted() -> GoAway? {
        guard pending.count >= Self.headerLength else { return nil }
        if !isGoAwayHeader {
            toSkip = payloadLength
            pending.removeAll(keepingCapacity: true)
            return nil
        }
        guard pending.count == Self.headerLength + Self.goAwayPrefixLength else { return nil }
        let bytes = pending
        let word = { (offset: Int) in bytes[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
        let goAway = GoAway(lastStreamID: word(Self.headerLength) & 0x7fff_ffff, errorCode: word(Self.headerLength + 4))
        toSkip = payloadLength - Self.goAwayPrefixLength
        pending.removeAll(keepingCapacity: true)
        return goAway
    }
}
