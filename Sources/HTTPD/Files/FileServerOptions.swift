extension FileServer {
    /// What a `FileServer` serves beyond plain files, and how.
    public struct Options: Sendable, Equatable {
        /// A directory without an index file is answered with an HTML listing of its entries (else 404).
        public var listDirectories: Bool
        /// Names starting with `.` (`.env`, `.git/`) are served and listed (else 404 and left out).
        public var serveHiddenFiles: Bool
        /// The file served for a directory URL when the directory has it; nil serves no index file.
        public var indexFile: String?
        /// A `Cache-Control` value sent with every file, such as `"no-cache"` (always revalidate) or
        /// `"public, max-age=3600"`; nil sends none and leaves freshness to the browser's heuristics.
        public var cacheControl: String?

        /// Options with listing off, hidden files refused, `index.html` as the index file and no `Cache-Control`.
        public init(
            listDirectories: Bool = false,
            serveHiddenFiles: Bool = false,
            indexFile: String? = "index.html",
            cacheControl: String? = nil
        ) {
            self.listDirectories = listDirectories
            self.serveHiddenFiles = serveHiddenFiles
            self.indexFile = indexFile
            self.cacheControl = cacheControl
        }
    }
}
