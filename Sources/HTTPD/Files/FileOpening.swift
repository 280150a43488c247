#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opening a file to read it, the one way both file readers do it (`OpenFile` for responses,
/// `FileReader` for multipart ranges).
enum FileOpening {
    /// A read-only, close-on-exec descriptor for `path`; throws `fileNotReadable` (403) when permission
    /// is refused, `fileNotFound` (404) for anything else (no such file, a path through a non-directory,
    /// a loop of links, a name too long), so nothing else about the path is told.
    static func openForReading(_ path: String) throws(HTTPDError) -> Int32 {
        let descriptor = systemOpen(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            switch errno {
            case EACCES, EPERM: throw .fileNotReadable(path)
            default: throw .fileNotFound(path)
            }
        }
        return descriptor
    }

    private static func systemOpen(_ path: String, _ flags: Int32) -> Int32 {
        #if canImport(Glibc)
        return Glibc.open(path, flags)
        #elseif canImport(Musl)
        return Musl.open(path, flags)
        #else
        return Darwin.open(path, flags)
        #endif
    }
}
