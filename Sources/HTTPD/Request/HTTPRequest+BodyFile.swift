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
    /// Streams the request body into a new file at `path` (created with mode 0600, replacing a file
    /// that is there) and returns how many bytes were written.
    ///
    /// The writes run on NIO's thread pool, never on the event loop: the body is gathered into writes
    /// of about 1 MiB, and while one is being written the connection goes on reading into the next
    /// (`BodyFileBatches`); memory stays at about 2 MiB whatever the body's size. Throws as
    /// `bodyChunks` does, and `HTTPDError.fileNotWritable` when the file cannot be created or written
    /// (what was written is left for the caller to remove).
    ///
    /// A body over the server's `maxRequestBodyLength` needs `setMaxBodyLength(_:)` first.
    public func writeBody(toFile path: String) async throws -> Int {
        let pool = NIOThreadPool.singleton
        let file = try await pool.runIfActive { try BodyFile(creating: path) }
        let batches = BodyFileBatches()
        var writing: EventLoopFuture<Void>?
        var written = 0
        for try await chunk in bodyChunks {
            var chunk = chunk
            while chunk.readableBytes > 0 {
                batches.fill(from: &chunk)
                guard batches.isFull else { continue }
                if let writing { try await writing.get() }  // one write in flight: the other batch fills meanwhile
                written += batches.swap()
                writing = pool.runIfActive(eventLoop: exchange.connection.eventLoop) { try batches.writeSwapped(to: file) }
            }
        }
        if let writing { try await writing.get() }
        written += batches.swap()
        try await pool.runIfActive {
            try batches.writeSwapped(to: file)
            try file.close()
        }
        return written
    }
}

/// A file being written with plain `write(2)` calls, which block: made and used on the thread pool.
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

    /// Writes the first `count` bytes of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer, count: Int) throws {
        var offset = 0
        while offset < count {
            let written = writeDescriptor(descriptor, bytes.baseAddress! + offset, count - offset)
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw HTTPDError.fileNotWritable(path) }
            offset += written
        }
    }

    /// Closes the file; throws when the last writes failed to reach it.
    func close() throws {
        let result = closeDescriptor(descriptor)
        descriptor = -1
        guard result == 0 else { throw HTTPDError.fileNotWritable(path) }
    }
}

/// The C library's `close` and `write` (inside `BodyFile` the names are its own methods').
private func closeDescriptor(_ descriptor: Int32) -> Int32 { close(descriptor) }
private func writeDescriptor(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(descriptor, bytes, count) }
