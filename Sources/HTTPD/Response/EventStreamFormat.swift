/// The Server-Sent Events wire format (HTML Living Standard, "Server-sent events"): UTF-8 lines
/// `field: value`, an event ended by an empty line.
enum EventStreamFormat {
    /// One event: `event:`, `id:`, `retry:` when given, then one `data:` line per line of `data` (split
    /// at CRLF, CR or LF), then the empty line that dispatches it.
    static func event(data: String, event: String?, id: String?, retry: Duration?) throws(EventStreamError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.utf8.count + 16)
        if let event {
            guard !event.utf8.contains(where: { $0 == 13 || $0 == 10 }) else {
                throw .invalidField(name: "event", value: event)
            }
            append("event", event, to: &out)
        }
        if let id {
            guard !id.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
                throw .invalidField(name: "id", value: id)
            }
            append("id", id, to: &out)
        }
        if let retry {
            let (seconds, attoseconds) = retry.components
            append("retry", String(max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000)), to: &out)
        }
        for line in lines(of: data) { append("data", line, to: &out) }
        out.append(10)
        return out
    }

    /// A comment: `: text` for each line of `text`, then an empty line (so proxies pass it on at once).
    static func comment(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for line in lines(of: text) {
            out.append(58)  // ":"
            if !line.isEmpty { out.append(32) }
            out += line
            out.append(10)
        }
        out.append(10)
        return out
    }

    /// The lines of `text`, split at CRLF, CR and LF (an empty text is one empty line).
    static func lines(of text: String) -> [ArraySlice<UInt8>] {
        let bytes = Array(text.utf8)
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 10 || byte == 13 {
                lines.append(bytes[start..<index])
                if byte == 13, index + 1 < bytes.count, bytes[index + 1] == 10 { index += 1 }
                start = index + 1
            }
            index += 1
        }
        lines.append(bytes[start..<bytes.count])
        return lines
    }

    private static func append(_ field: StaticString, _ value: some StringProtocol, to out: inout [UInt8]) {
        append(field, ArraySlice(value.utf8), to: &out)
    }

    private static func append(_ field: StaticString, _ value: ArraySlice<UInt8>, to out: inout [UInt8]) {
        out += UnsafeBufferPointer(start: field.utf8Start, count: field.utf8CodeUnitCount)
        out.append(58)  // ":"
        out.append(32)
        out += value
        out.append(10)
    }
}
