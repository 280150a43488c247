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
    /// that is there) and returns how many bytes were written. The writes run on NIO's thread pool,
    /// never on the event loop, one chunk at a time while the next one is read: memory stays at about
    /// two reads whatever the body's size. Throws as `bodyChunks` does, and
    /// `HTTPDError.fileNotWritable` when the file cannot be created or written (what was written is
    /// left for the caller to remove).
    ///
    /// A body over the server's `maxRequestBodyLength` needs `setMaxBodyLength(_:)` first.
    public func writeBody(toFile path: String) async throws -> Int {
        let file = try await NIOThreadPool.singleton.runIfActive { try BodyFile(creating: path) }
        var written = 0
        for try await chunk in bodyChunks {
            try await NIOThreadPool.singleton.runIfActive { try file.write(chunk) }
            written += chunk.readableBytes
        }
        try await NIOThreadPool.singleton.runIfActive { try file.close() }
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

    /// Writes all of `chunk`'s readable bytes.
    func write(_ chunk: ByteBuffer) throws {
        try chunk.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let count = writeDescriptor(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { throw HTTPDError.fileNotWritable(path) }
                offset += count
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

/// The C library's `close` and `write` (inside `BodyFile` the names are its own methods').
private func closeDescriptor(_ descriptor: Int32) -> Int32 { close(descriptor) }
private func writeDescriptor(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(descriptor, bytes, count) }
