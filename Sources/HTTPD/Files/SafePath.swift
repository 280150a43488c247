/// The checked way from a request path to a file inside a root directory.
///
/// A request path is split at its slashes and each segment is percent-decoded once. A path is refused
/// (the file server answers 404, never 403, so nothing outside the root is confirmed to exist) when:
///
/// - a `%` is not followed by two hex digits, or a segment decodes to invalid UTF-8;
/// - a segment decodes to a `/` (`%2f`), a backslash (raw or `%5c`) or a NUL (`%00`);
/// - a segment is `.` or `..` (however it was encoded: `%2e%2e` is `..`);
/// - a segment starts with `.` (a hidden file) and hidden files are not enabled;
/// - the path, with symbolic links resolved by `realpath(3)`, is not the root or below it. The
///   comparison is made on whole segments, so a sibling `/srv/public2` is not inside `/srv/public`;
/// - the resolved path passes through a hidden name below the root and hidden files are not enabled;
/// - it is neither a regular file nor a directory (devices, FIFOs and sockets are never served).
enum SafePath {
    /// Why a path was refused. Every refusal is answered with 404.
    enum Refusal: Error, Equatable, Sendable {
        /// A `%` not followed by two hex digits, or bytes that are not UTF-8.
        case badEncoding
        /// `%2f`: a slash inside a segment.
        case encodedSlash
        /// A NUL byte (`%00`).
        case nul
        /// A backslash, raw or encoded (`..\`).
        case backslash
        /// A `.` or `..` segment.
        case dotSegment
        /// A name starting with `.` while hidden files are not served.
        case hidden
        /// Nothing exists at the path.
        case notFound
        /// The path resolves (through a symbolic link) outside the root.
        case outsideRoot
        /// Not a regular file or directory.
        case unsupportedKind
    }

    /// A file or directory inside the root.
    struct Resolved: Equatable, Sendable {
        /// The canonical path (`realpath(3)`), which the response is sent from.
        var path: String
        /// Its kind, size and modification time.
        var status: FileStatus
    }

    /// The decoded segments of `path`, a request path below the mount point and still percent-encoded;
    /// empty segments (from `//` or a trailing `/`) are dropped.
    static func segments(_ path: Substring, allowHidden: Bool) -> Result<[String], Refusal> {
        var segments: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let bytes = PercentEncoding.decode(raw) else { return .failure(.badEncoding) }
            if bytes.contains(0) { return .failure(.nul) }
            if bytes.contains(UInt8(ascii: "/")) { return .failure(.encodedSlash) }
            if bytes.contains(UInt8(ascii: "\\")) { return .failure(.backslash) }
            guard let segment = String(validating: bytes, as: UTF8.self) else { return .failure(.badEncoding) }
            if bytes == [UInt8(ascii: ".")] || bytes == [UInt8(ascii: "."), UInt8(ascii: ".")] {
                return .failure(.dotSegment)
            }
            if bytes.first == UInt8(ascii: ".") && !allowHidden { return .failure(.hidden) }
            segments.append(segment)
        }
        return .success(segments)
    }

    /// The file at `segments` below `root`, checked for containment after resolving symbolic links.
    ///
    /// Blocks on the file system (`realpath`, `stat`); call it off the event loop.
    static func resolve(_ segments: [String], root: String, allowHidden: Bool) -> Result<Resolved, Refusal> {
        guard let realRoot = FileStatus.realPath(root) else { return .failure(.notFound) }
        let candidate = segments.isEmpty ? realRoot : join(realRoot, segments.joined(separator: "/"))
        guard let real = FileStatus.realPath(candidate) else { return .failure(.notFound) }
        guard let below = relativePart(of: real, inside: realRoot) else { return .failure(.outsideRoot) }
        if !allowHidden && below.utf8.split(separator: UInt8(ascii: "/")).contains(where: { $0.first == UInt8(ascii: ".") }) {
            return .failure(.hidden)
        }
        guard let status = FileStatus.of(real) else { return .failure(.notFound) }
        guard status.kind != .other else { return .failure(.unsupportedKind) }
        return .success(Resolved(path: real, status: status))
    }

    /// The part of `path` below `root` (`""` for the root itself), or nil when `path` is not `root`
    /// or inside it. Both are canonical absolute paths; the comparison is made on bytes (not on
    /// Unicode-equivalent characters) and respects segment boundaries.
    static func relativePart(of path: String, inside root: String) -> Substring? {
        if path.utf8.elementsEqual(root.utf8) { return "" }
        let prefix = root.utf8.last == UInt8(ascii: "/") ? root : root + "/"
        guard path.utf8.starts(with: prefix.utf8) else { return nil }
        let start = path.utf8.index(path.utf8.startIndex, offsetBy: prefix.utf8.count)
        return Substring(path.utf8[start...])
    }

    /// `directory` and `name` joined with exactly one `/`.
    static func join(_ directory: String, _ name: String) -> String {
        directory.utf8.last == UInt8(ascii: "/") ? directory + name : directory + "/" + name
    }
}
