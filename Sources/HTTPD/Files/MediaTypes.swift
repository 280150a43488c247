/// The `Content-Type` of a file, from its extension.
///
/// The table covers the types a web site serves; text types carry `; charset=utf-8`. Anything else is
/// `application/octet-stream`, which browsers download rather than guess at.
enum MediaTypes {
    /// The type for files whose extension is not in the table.
    static let fallback = "application/octet-stream"

    /// Extension (lower case, without the dot) → media type.
    static let table: [String: String] = [
        // Documents and code
        "html": "text/html; charset=utf-8",
        "htm": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "mjs": "text/javascript; charset=utf-8",
        "json": "application/json",
        "map": "application/json",
        "webmanifest": "application/manifest+json",
        "xml": "text/xml; charset=utf-8",
        "txt": "text/plain; charset=utf-8",
        "text": "text/plain; charset=utf-8",
        "md": "text/markdown; charset=utf-8",
        "csv": "text/csv; charset=utf-8",
        "pdf": "application/pdf",
        "wasm": "application/wasm",
        // Images
        "svg": "image/svg+xml",
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "gif": "image/gif",
        "webp": "image/webp",
        "avif": "image/avif",
        "ico": "image/x-icon",
        "bmp": "image/bmp",
        // Fonts
        "woff": "font/woff",
        "woff2": "font/woff2",
        "ttf": "font/ttf",
        "otf": "font/otf",
        // Audio and video
        "mp4": "video/mp4",
        "m4v": "video/mp4",
        "webm": "video/webm",
        "ogv": "video/ogg",
        "mp3": "audio/mpeg",
        "m4a": "audio/mp4",
        "ogg": "audio/ogg",
        "oga": "audio/ogg",
        "opus": "audio/ogg",
        "wav": "audio/wav",
        "flac": "audio/flac",
        // Archives
        "zip": "application/zip",
        "gz": "application/gzip",
        "tar": "application/x-tar",
    ]

    /// The media type for the file at `path` (only its last segment's extension counts).
    ///
    /// `index.HTML` → `text/html; charset=utf-8`; `archive.tar.gz` → `application/gzip`;
    /// `README` and `.bashrc` → `application/octet-stream`.
    static func contentType(forPath path: String) -> String {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return fallback }
        let ext = name[name.index(after: dot)...].lowercased()
        return table[ext] ?? fallback
    }
}
