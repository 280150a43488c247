import NIOCore

/// What the response writers accept as a body or chunk, encoded straight into the outgoing buffer.
protocol ResponseBodyBytes {
    /// The number of bytes the body takes on the wire.
    var responseByteCount: Int { get }
    /// Appends the bytes to `buffer`.
    func writeResponseBytes(into buffer: inout ByteBuffer)
}

extension String: ResponseBodyBytes {
    var responseByteCount: Int { utf8.count }
    func writeResponseBytes(into buffer: inout ByteBuffer) { buffer.writeString(self) }
}

extension Array: ResponseBodyBytes where Element == UInt8 {
    var responseByteCount: Int { count }
    func writeResponseBytes(into buffer: inout ByteBuffer) { buffer.writeBytes(self) }
}

extension ArraySlice: ResponseBodyBytes where Element == UInt8 {
    var responseByteCount: Int { count }
    func writeResponseBytes(into buffer: inout ByteBuffer) { buffer.writeBytes(self) }
}

extension ByteBuffer: ResponseBodyBytes {
    var responseByteCount: Int { readableBytes }
    func writeResponseBytes(into buffer: inout ByteBuffer) { buffer.writeImmutableBuffer(self) }
}

/// The empty body of a response written without one.
struct NoBody: ResponseBodyBytes {
    var responseByteCount: Int { 0 }
    func writeResponseBytes(into buffer: inout ByteBuffer) {}
}
