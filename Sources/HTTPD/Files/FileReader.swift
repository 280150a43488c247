#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads byte ranges of a file with `pread(2)`, for the parts of a `multipart/byteranges` body.
///
/// The calls block; the file server makes them on NIO's thread pool.
final class FileReader {
    private let descriptor: Int32
    /// The path the reader was opened on.
    let path: String

    /// Opens the file at `path` for reading; throws `HTTPDError.fileNotFound` or `.fileNotReadable`.
    init(path: String) throws {
        self.path = path
        descriptor = try FileOpening.openForReading(path)
    }

    deinit { close(descriptor) }

    /// Exactly `count` bytes from `offset`; throws `HTTPDError.fileNotReadable` on an error or when
    /// the file turned out shorter than that (it was truncated meanwhile).
    func read(offset: Int64, count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            while initialized < count {
                let got = pread(descriptor, buffer.baseAddress! + initialized, count - initialized, off_t(offset) + off_t(initialized))
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else { throw HTTPDError.fileNotReadable(path) }
                initialized += got
            }
        }
    }
}
