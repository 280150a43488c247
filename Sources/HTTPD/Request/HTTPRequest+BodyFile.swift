#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

extension HTTPRequest {
    /// How many bytes `writeBody(toFile:)` gathers before one write: few, large writes cost the file
    /// system far less per byte than one write per read of the socket.
    static let bodyFileBatchBytes = 1 << 20

    /// Streams the request body into a new file at `path` (created with mode 0600, replacing a file
    /// that is there) and returns how many bytes were written.
    ///
    /// The writes run on NIO's thread pool, never on the event loop: the chunks are gathered into
    /// writes of about 1 MiB (one `writev`), and while one is being written the connection goes on
    /// reading the next; memory stays at about 2 MiB whatever the body's size. Throws as `bodyChunks`
    /// does, and `HTTPDError.fileNotWritable` when the file cannot be created or written (what was
    /// written is left for the caller to remove).
    ///
    /// A body over the server's `maxRequestBodyLength` needs `setMaxBodyLength(_:)` first.
    public func writeBody(toFile path: String) async throws -> Int {
        let pool = NIOThreadPool.singleton
        let file = try await pool.runIfActive { try BodyFile(creating: path) }
        var batch = BodyFileBatch()
        var writing: EventLoopFuture<Void>?
        var written = 0
        for try await chunk in bodyChunks {
            batch.append(chunk)
            guard batch.isFull else { continue }
            if let writing { try await writing.get() }  // one write in flight: the next batch fills meanwhile
            let chunks = batch.take()
            written += chunks.bytes
            writing = pool.runIfActive(eventLoop: exchange.connection.eventLoop) { try file.write(chunks.buffers) }
        }
        if let writing { try await writing.get() }
        let rest = batch.take()
        written += rest.bytes
        try await pool.runIfActive {
            if !rest.buffers.isEmpty { try file.write(rest.buffers) }
            try file.close()
        }
        return written
    }
}

/// The chunks `writeBody(toFile:)` has gathered for its next write.
struct BodyFileBatch {
    /// The most buffers one `writev` takes (POSIX guarantees at least 16; Linux takes 1,024).
    static let maxBuffers = 512

    private(set) var buffers: [ByteBuffer] = []
    private(set) var bytes = 0

    /// Whether the batch should be written now.
    var isFull: Bool {
        bytes >= HTTPRequest.bodyFileBatchBytes || buffers.count >= Self.maxBuffers
    }

    mutating func append(_ chunk: ByteBuffer) {
        guard chunk.readableBytes > 0 else { return }
        buffers.append(chunk)
        bytes += chunk.readableBytes
    }

    /// Empties the batch, returning what it held.
    mutating func take() -> (buffers: [ByteBuffer], bytes: Int) {
        defer {
            buffers = []
            bytes = 0
        }
        return (buffers, bytes)
    }
}

/// A file being written with plain `writev(2)` calls, which block: made and used on the thread pool.
final class BodyFile: @unchecked Sendable {
    private var descriptor: Int32
    private let path: String

    /// Creates (or truncates) the file at `path`, readable and writable by its owner only.
    init(creating path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw HTTPDError.fileNotWritable(path) }
    }

    deinit {
        if descriptor >= 0 { _ = closeDescriptor(descriptor) }
    }

    /// Writes all of `chunks`' readable bytes, in order, with as few `writev` calls as the kernel allows.
    func write(_ chunks: [ByteBuffer]) throws {
        var vectors: [iovec] = []
        vectors.reserveCapacity(chunks.count)
        // The buffers stay alive (held by `chunks`) while their bytes are written.
        for chunk in chunks {
            chunk.withUnsafeReadableBytes { bytes in
                vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count))
            }
        }
        try withExtendedLifetime(chunks) {
            try vectors.withUnsafeMutableBufferPointer { vectors in
                var first = 0
                while first < vectors.count {
                    let count = writeVectors(descriptor, vectors.baseAddress! + first, Int32(vectors.count - first))
                    if count < 0, errno == EINTR { continue }
                    guard count > 0 else { throw HTTPDError.fileNotWritable(path) }
                    // Skips what was written: whole vectors, then part of the next.
                    var left = count
                    while first < vectors.count, left >= vectors[first].iov_len {
                        left -= vectors[first].iov_len
                        first += 1
                    }
                    if left > 0 {
                        vectors[first].iov_base = vectors[first].iov_base! + left
                        vectors[first].iov_len -= left
                    }
                }
            }
        }
    }

    /// Closes the file; throws when the last writes failed to reach it.
    func close() throws {
        let result = closeDescriptor(descriptor)
        descriptor = -1
        guard result == 0 else { throw HTTPDError.fileNotWritable(path) }
    }
}

/// The C library's `close` and `writev` (inside `BodyFile` the names are its own methods').
private func closeDescriptor(_ descriptor: Int32) -> Int32 { close(descriptor) }
private func writeVectors(_ descriptor: Int32, _ vectors: UnsafePointer<iovec>, _ count: Int32) -> Int {
    writev(descriptor, vectors, count)
}
