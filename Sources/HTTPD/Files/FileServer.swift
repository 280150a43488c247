#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOPosix

/// A handler that serves the files under a directory: `GET` and `HEAD`, zero-copy, with validators,
/// conditional requests, byte ranges, index files and (optionally) directory listings.
///
/// Mount it on a path of a `RecursiveHTTPMux` and tell it that path, so it knows which part of the
/// request path names a file below `root`:
///
/// ```swift
/// let server = try await HTTPServer.start(mux: RecursiveHTTPMux(), addresses: ["127.0.0.1:8080"])
/// let files = FileServer(root: "./public", mountedAt: "/static")
/// try await server.register("/static", handler: files.handler)
/// // GET /static/css/site.css → ./public/css/site.css
/// ```
///
/// What it answers:
///
/// - a regular file: 200 with `Content-Length`, sent with `sendfile(2)`; `Content-Type` from the
///   extension (`MediaTypes`), `ETag` (size and modification time), `Last-Modified`,
///   `Accept-Ranges: bytes` and `X-Content-Type-Options: nosniff`.
/// - `If-Match`, `If-Unmodified-Since` → 412 when they fail; `If-None-Match`, `If-Modified-Since`
///   → 304 without a body (RFC 9110 §13.2.2 precedence).
/// - `Range: bytes=…`: one range → 206 with `Content-Range`; several → 206 `multipart/byteranges`;
///   none satisfiable → 416 with `Content-Range: bytes */<length>`; `If-Range` honoured. At most 16
///   ranges, overlapping ones merged, and a range set whose multipart answer would be larger than the
///   file gets the whole file instead (the Apache Killer defence).
/// - a directory: without a trailing `/`, 301 to the URL with it (query kept); with it, the index file
///   if there is one, else the listing when `listDirectories` is on, else 404.
/// - other methods: 405 with `Allow: GET, HEAD`.
/// - anything outside the root, hidden (unless enabled), malformed (`%2f`, `%00`, `\`, `..`) or
///   missing: 404. See `SafePath` for the containment rules.
public struct FileServer: Sendable {
    /// The directory served, as given (resolved with `realpath(3)` on each request, so it may be a
    /// symbolic link and may be created after the server starts).
    public let root: String
    /// The path the handler is registered on (`"/static"`; `""` or `"/"` for the whole site), without a trailing `/`.
    public let mountPath: String
    /// What is served beyond plain files.
    public let options: Options

    /// A file server for the files under `root`, registered on the mux path `mountedAt`.
    ///
    /// - Parameters:
    ///   - root: the directory to serve.
    ///   - mountedAt: the path given to `register` for this handler; a request for
    ///     `mountedAt + "/a/b.txt"` serves `root/a/b.txt`. Requests whose path is not `mountedAt` or
    ///     below it are answered 404.
    ///   - options: listing, hidden files, index file, `Cache-Control`.
    public init(root: String, mountedAt: String = "", options: Options = Options()) {
        self.root = root
        var mount = Substring(mountedAt)
        while mount.hasSuffix("/") { mount = mount.dropLast() }
        self.mountPath = String(mount)
        self.options = options
    }

    /// The handler to register: `server.register(files.mountPath, handler: files.handler)`.
    public var handler: HTTPHandler {
        { request, response in try await self.serve(request, response) }
    }

    /// Answers one request (what `handler` calls).
    public func serve(_ request: HTTPRequest, _ response: HTTPResponse) async throws {
        guard request.method == "GET" || request.method == "HEAD" else {
            try await response.write(
                status: 405, headers: [("Allow", "GET, HEAD"), ("Content-Type", "text/plain; charset=utf-8")],
                body: "405 Method Not Allowed\n")
            return
        }
        guard let below = pathBelowMount(request.path),
            case .success(let segments) = SafePath.segments(below, allowHidden: options.serveHiddenFiles)
        else {
            return try await notFound(response)
        }
        let wantsDirectory = below.hasSuffix("/")
        let target = try await NIOThreadPool.singleton.runIfActive { [self] in
            self.lookUp(segments, wantsDirectory: wantsDirectory)
        }
        switch target {
        case .notFound:
            try await notFound(response)
        case .redirect:
            var location = mountPath + "/" + segments.map(PercentEncoding.encodeSegment).joined(separator: "/")
            if !segments.isEmpty { location += "/" }
            if let query = request.params { location += "?" + query }
            try await response.write(
                status: 301, headers: [("Location", location), ("Content-Type", "text/plain; charset=utf-8")],
                body: "301 Moved Permanently: \(location)\n")
        case .listing(let entries):
            let title = mountPath + "/" + segments.map { $0 + "/" }.joined()
            let page = DirectoryListing.page(title: title, entries: entries, parent: !segments.isEmpty)
            try await response.write(
                status: 200, headers: [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-cache")],
                body: page)
        case .file(let file):
            try await serveFile(file, request: request, response: response)
        }
    }

    // MARK: Looking up

    /// What a request path leads to.
    enum Target: Sendable {
        case notFound
        case redirect
        case listing([DirectoryListing.Entry])
        case file(SafePath.Resolved)
    }

    /// The request path below the mount path (still percent-encoded), or nil when the request is not
    /// for the mount path or below it.
    func pathBelowMount(_ path: String) -> Substring? {
        guard path.utf8.starts(with: mountPath.utf8) else { return nil }
        let rest = Substring(path.utf8.dropFirst(mountPath.utf8.count))
        guard rest.isEmpty || rest.hasPrefix("/") else { return nil }
        return rest
    }

    /// Resolves `segments` under the root. Blocks on the file system: runs on NIO's thread pool.
    func lookUp(_ segments: [String], wantsDirectory: Bool) -> Target {
        let hidden = options.serveHiddenFiles
        guard case .success(let found) = SafePath.resolve(segments, root: root, allowHidden: hidden) else {
            return .notFound
        }
        switch found.status.kind {
        case .regular:
            // `/file.txt/` names a directory that does not exist.
            return wantsDirectory ? .notFound : .file(found)
        case .directory:
            guard wantsDirectory else { return .redirect }
            if let index = options.indexFile,
                case .success(let file) = SafePath.resolve(segments + [index], root: root, allowHidden: hidden),
                file.status.kind == .regular
            {
                return .file(file)
            }
            guard options.listDirectories, let realRoot = FileStatus.realPath(root),
                let entries = DirectoryListing.entries(of: found.path, root: realRoot, allowHidden: hidden)
            else { return .notFound }
            return .listing(entries)
        case .other:
            return .notFound
        }
    }

    // MARK: Answering

    private func notFound(_ response: HTTPResponse) async throws {
        try await response.write(
            status: 404, headers: [("Content-Type", "text/plain; charset=utf-8")], body: "404 Not Found\n")
    }

    private func serveFile(_ file: SafePath.Resolved, request: HTTPRequest, response: HTTPResponse) async throws {
        let length = file.status.size
        let validators = Validators(file: file.status, now: Int64(time(nil)))
        let contentType = MediaTypes.contentType(forPath: file.path)
        var validatorHeaders: [(name: String, value: String)] = [
            ("ETag", validators.etag.description),
            ("Last-Modified", validators.lastModifiedHeader),
        ]
        if let cacheControl = options.cacheControl { validatorHeaders.append(("Cache-Control", cacheControl)) }

        let outcome = ConditionalRequest.evaluate(
            method: request.method, values: { request.headerValues($0) }, validators: validators)
        let honourRange: Bool
        switch outcome {
        case .notModified:
            return try await response.write(status: 304, headers: validatorHeaders)
        case .preconditionFailed:
            return try await response.write(status: 412, headers: [("Content-Type", "text/plain; charset=utf-8")],
                body: "412 Precondition Failed\n")
        case .proceed(let honour):
            honourRange = honour
        }

        var headers = validatorHeaders + [("Accept-Ranges", "bytes"), ("X-Content-Type-Options", "nosniff")]
        let ranges = honourRange ? ByteRanges.evaluate(request.header("Range"), length: length) : .whole
        switch ranges {
        case .whole:
            headers.insert(("Content-Type", contentType), at: 0)
            try await response.sendFile(status: 200, headers: headers, path: file.path, offset: 0, length: length)
        case .single(let range):
            headers.insert(("Content-Type", contentType), at: 0)
            headers.append(("Content-Range", range.contentRange(length: length)))
            try await response.sendFile(
                status: 206, headers: headers, path: file.path, offset: range.first, length: range.count)
        case .unsatisfiable:
            headers.append(("Content-Range", "bytes */\(length)"))
            try await response.write(status: 416, headers: headers)
        case .multiple(let list):
            let multipart = MultipartByteRanges(ranges: list, length: length, contentType: contentType)
            if multipart.isLargerThanFile {
                headers.insert(("Content-Type", contentType), at: 0)
                try await response.sendFile(status: 200, headers: headers, path: file.path, offset: 0, length: length)
            } else {
                headers.insert(("Content-Type", multipart.responseContentType), at: 0)
                try await sendMultipart(multipart, path: file.path, headers: headers, request: request, response: response)
            }
        }
    }

    /// Bodies up to this size are assembled and sent with `Content-Length`; larger ones are streamed.
    static let multipartBufferLimit: Int64 = 1 << 20
    /// Streamed multipart bodies are read in pieces of this many bytes.
    static let multipartReadSize: Int64 = 256 << 10

    private func sendMultipart(
        _ multipart: MultipartByteRanges, path: String, headers: [(name: String, value: String)],
        request: HTTPRequest, response: HTTPResponse
    ) async throws {
        if multipart.bodyLength <= Self.multipartBufferLimit {
            let body = try await NIOThreadPool.singleton.runIfActive { () throws -> [UInt8] in
                let reader = try FileReader(path: path)
                var body: [UInt8] = []
                body.reserveCapacity(Int(multipart.bodyLength))
                for (index, range) in multipart.ranges.enumerated() {
                    body += multipart.partHead(index)
                    body += try reader.read(offset: range.first, count: Int(range.count))
                }
                return body + multipart.trailer
            }
            return try await response.write(status: 206, headers: headers, body: body)
        }
        // Large parts: stream them (chunked), reading a piece at a time off the event loop.
        let reader = try await NIOThreadPool.singleton.runIfActive { try FileReaderBox(FileReader(path: path)) }
        try await response.begin(status: 206, headers: headers)
        if request.method != "HEAD" {
            for (index, range) in multipart.ranges.enumerated() {
                try await response.chunk(multipart.partHead(index))
                var position = range.first
                while position <= range.last {
                    let count = min(Self.multipartReadSize, range.last - position + 1)
                    let start = position
                    let piece = try await NIOThreadPool.singleton.runIfActive {
                        try reader.reader.read(offset: start, count: Int(count))
                    }
                    try await response.chunk(piece)
                    position += count
                }
            }
            try await response.chunk(multipart.trailer)
        }
        try await response.end()
    }
}

/// A `FileReader` handed between the thread pool and the handler; only one of them uses it at a time.
private struct FileReaderBox: @unchecked Sendable {
    let reader: FileReader
    init(_ reader: FileReader) { self.reader = reader }
}
