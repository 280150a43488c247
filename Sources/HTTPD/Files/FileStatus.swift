#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat(2)` says about a path, reduced to what a file server needs.
///
/// These calls block; the file server makes them on NIO's thread pool, never on an event loop.
struct FileStatus: Equatable, Sendable {
    /// The kinds of file a file server tells apart.
    enum Kind: Equatable, Sendable {
        /// A regular file: served.
        case regular
        /// A directory: its index file or listing.
        case directory
        /// A device, FIFO or socket: never served (opening a FIFO would block).
        case other
    }

    /// The kind of file.
    var kind: Kind
    /// The size in bytes.
    var size: Int64
    /// The modification time, in whole seconds since the epoch.
    var modifiedSeconds: Int64
    /// The sub-second part of the modification time, in nanoseconds.
    var modifiedNanoseconds: Int64

    /// The status of the file at `path`, following symbolic links; nil when there is none.
    static func of(_ path: String) -> FileStatus? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileStatus(info)
    }

    /// The path is itself a symbolic link (not followed).
    static func isSymbolicLink(_ path: String) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFLNK
    }

    /// The canonical absolute path (`realpath(3)`): symbolic links, `.` and `..` resolved; nil when the
    /// path or one of its parents does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(validatingCString: resolved)
    }

    init(kind: Kind, size: Int64, modifiedSeconds: Int64, modifiedNanoseconds: Int64 = 0) {
        self.kind = kind
        self.size = size
        self.modifiedSeconds = modifiedSeconds
        self.modifiedNanoseconds = modifiedNanoseconds
    }

    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        default: kind = .other
        }
        size = Int64(info.st_size)
        #if canImport(Darwin)
        modifiedSeconds = Int64(info.st_mtimespec.tv_sec)
        modifiedNanoseconds = Int64(info.st_mtimespec.tv_nsec)
        #else
        modifiedSeconds = Int64(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int64(info.st_mtim.tv_nsec)
        #endif
    }
}
