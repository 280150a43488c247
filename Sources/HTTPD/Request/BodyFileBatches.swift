import NIOCore

/// The two buffers `writeBody(toFile:)` gathers a body in: one fills on the event loop while the
/// other is written to the file on the thread pool.
///
/// Made once per upload and reused, so their pages are touched once; the connection's read buffers
/// go back to malloc as soon as their bytes are copied out, and serve the next reads. (Handing the
/// read buffers themselves to `writev` instead left glibc returning a freed megabyte to the kernel
/// after every write and faulting it in again for the next reads.)
///
/// Ownership: `fill` and `swap` run on the event loop; `writeSwapped` runs on the thread pool between
/// a `swap` and the next one (the caller waits for the write before swapping again), and touches only
/// the buffer set aside.
final class BodyFileBatches: @unchecked Sendable {
    /// Bytes per write: a little under 1 MiB. Few, large writes cost the file system far less per
    /// byte than one per read of the socket; and a size that is not a multiple of the page size keeps
    /// the writes from starting and ending on page boundaries, which Linux 6.18's ext4 (large folios)
    /// copied about five times slower (a 4 GiB upload: 8.8 s with 1 MiB writes, 1.4-1.8 s with these;
    /// see Benchmarks/results/2026-11-30-upload.md).
    static let capacity = (1 << 20) - 512

    private var filling = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    private var setAside = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    /// Bytes in `filling`.
    private var filled = 0
    /// Bytes in `setAside`, from the last `swap()`.
    private var setAsideCount = 0

    deinit {
        filling.deallocate()
        setAside.deallocate()
    }

    /// The filling buffer is full: time to `swap()` (once the previous write finished).
    var isFull: Bool { filled == Self.capacity }

    /// Copies as much of `chunk` as fits into the filling buffer, and moves past it.
    func fill(from chunk: inout ByteBuffer) {
        let taken = min(chunk.readableBytes, Self.capacity - filled)
        chunk.withUnsafeReadableBytes { bytes in
            UnsafeMutableRawBufferPointer(rebasing: filling[filled..<filled + taken])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[..<taken]))
        }
        chunk.moveReaderIndex(forwardBy: taken)
        filled += taken
    }

    /// Sets the filled buffer aside for `writeSwapped(to:)` and starts filling the other one; returns
    /// how many bytes were set aside.
    func swap() -> Int {
        (filling, setAside) = (setAside, filling)
        setAsideCount = filled
        filled = 0
        return setAsideCount
    }

    /// Writes what the last `swap()` set aside (blocking: on the thread pool).
    func writeSwapped(to file: BodyFile) throws {
        if setAsideCount > 0 { try file.write(UnsafeRawBufferPointer(setAside), count: setAsideCount) }
    }
}
