#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

/// A regular file opened for sending, with its size; opened off the event loop.
struct OpenFile: Sendable {
    /// Files go out in regions of at most this many bytes, each a step of progress for the response timeout.
    static let sliceSize: Int64 = 4 << 20

    let handle: NIOFileHandle
    let size: Int64

    /// Opens the regular file at `path` for reading on NIO's thread pool.
    ///
    /// Throws `fileNotFound` when nothing (or no regular file) is there, `fileNotReadable` when it may not be read.
    nonisolated(nonsending) static func open(_ path: String) async throws -> OpenFile {
        try await NIOThreadPool.singleton.runIfActive { () throws -> OpenFile in
            let descriptor = try FileOpening.openForReading(path)
            var info = stat()
            guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                _ = closeDescriptor(descriptor)
                throw HTTPDError.fileNotFound(path)
            }
            return OpenFile(handle: NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: descriptor), size: Int64(info.st_size))
        }
    }

    private static func closeDescriptor(_ descriptor: Int32) -> Int32 {
        #if canImport(Glibc)
        return Glibc.close(descriptor)
        #elseif canImport(Musl)
        return Musl.close(descriptor)
        #else
        return Darwin.close(descriptor)
        #endif
    }

    /// Closes the file.
    func close() {
        try? handle.close()
    }
}
