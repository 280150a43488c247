import Foundation

/// A folder of its own under the temporary directory holding `big.bin`, `size` bytes of a pattern that
/// does not repeat at any power of two; removed by `remove()`.
struct PatternFile {
    let folder: String
    let bytes: [UInt8]
    var path: String { folder + "/big.bin" }

    init(size: Int, prefix: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var bytes = [UInt8](repeating: 0, count: size)
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 9) }
        self.bytes = bytes
        FileManager.default.createFile(atPath: folder + "/big.bin", contents: Data(bytes))
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: folder)
    }
}
