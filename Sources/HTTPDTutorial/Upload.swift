#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import HTTPD
import NIOPosix

extension TutorialApplication {
    /// The largest upload `POST /upload` takes unless told otherwise (`httpd --max-upload`): 10 GiB.
    public static let defaultMaxUpload = 10 << 30

    /// `POST /upload`: streams the body to a temporary file (up to `maxBytes`, whatever the server's
    /// `maxRequestBodyLength`), answers `<bytes> <sha256 hex>`, then deletes the file. The file's
    /// writes and the hash run on NIO's thread pool, never on the event loop.
    static func upload(maxBytes: Int) -> HTTPHandler {
        { request, response in
            guard request.method == "POST" else {
                try await response.write(
                    status: 405, headers: [("Allow", "POST"), ("Content-Type", "text/plain; charset=utf-8")],
                    body: "405 Method Not Allowed: POST a body to /upload\n")
                return
            }
            try request.setMaxBodyLength(maxBytes)
            let path = temporaryUploadPath()
            defer { unlink(path) }
            let bytes = try await request.writeBody(toFile: path)
            let digest = try await NIOThreadPool.singleton.runIfActive { try sha256(ofFile: path) }
            try await response.write(
                status: 200, headers: [("Content-Type", "text/plain; charset=utf-8")], body: "\(bytes) \(digest)\n")
        }
    }

    /// A fresh path under `$TMPDIR` (or `/tmp`).
    static func temporaryUploadPath() -> String {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        return "\(directory)/httpd-upload-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
    }

    /// The SHA-256 of the file at `path`, in lowercase hex, read in 1 MiB pieces (blocking: call it on
    /// the thread pool).
    static func sha256(ofFile path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw HTTPDError.fileNotReadable(path) }
        defer { close(descriptor) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw HTTPDError.fileNotReadable(path) }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
        return hasher.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
