#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The name in a `readdir` record, read where it lies. (Copying `record.pointee.d_name` copies the
/// whole 256-byte field: past the end of a short record, and past the end of the directory stream's
/// buffer for the last record in it, a read that AddressSanitizer reports and that can fault; the
/// same slip made Foundation's `Process.run` crash now and then, swift-corelibs-foundation PR #5472.)
enum DirectoryEntryName {
    /// The name's bytes, without the terminating NUL.
    static func bytes(of record: UnsafeMutablePointer<dirent>) -> [UInt8] {
        let name = UnsafeRawPointer(record) + MemoryLayout<dirent>.offset(of: \.d_name)!
        return Array(UnsafeRawBufferPointer(start: name, count: strlen(name.assumingMemoryBound(to: CChar.self))))
    }
}
