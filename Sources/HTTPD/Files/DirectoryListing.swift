#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The HTML page that lists a directory: name, size and modification time of each entry, directories
/// first, then files, each group sorted by name.
///
/// Names are HTML-escaped in the text and percent-encoded in the links, so any file name (`<b>`, `a&b`,
/// `100%`, `x:y`, `#1`, spaces) shows as itself and links to itself. Hidden entries (unless enabled),
/// names that are not UTF-8, entries that are neither files nor directories, and symbolic links that
/// resolve outside the root are left out.
enum DirectoryListing {
    /// One listed entry.
    struct Entry: Equatable, Sendable {
        /// The file name.
        var name: String
        /// It is a directory (its link ends with `/`).
        var isDirectory: Bool
        /// Its size in bytes (files only).
        var size: Int64
        /// Its modification time, in seconds since the epoch.
        var modified: Int64
    }

    /// The entries of `directory` (a canonical path inside the canonical `root`), sorted; nil when it
    /// cannot be read. Blocks on the file system; call it off the event loop.
    static func entries(of directory: String, root: String, allowHidden: Bool) -> [Entry]? {
        guard let stream = opendir(directory) else { return nil }
        defer { closedir(stream) }
        var entries: [Entry] = []
        while let record = readdir(stream) {
            let bytes = DirectoryEntryName.bytes(of: record)
            guard let name = String(validating: bytes, as: UTF8.self) else { continue }
            if name == "." || name == ".." { continue }
            if bytes.first == UInt8(ascii: ".") && !allowHidden { continue }
            let path = SafePath.join(directory, name)
            if FileStatus.isSymbolicLink(path) {
                guard let target = FileStatus.realPath(path), let below = SafePath.relativePart(of: target, inside: root)
                else { continue }
                if !allowHidden && below.utf8.split(separator: UInt8(ascii: "/")).contains(where: { $0.first == UInt8(ascii: ".") }) {
                    continue
                }
            }
            guard let status = FileStatus.of(path), status.kind != .other else { continue }
            entries.append(
                Entry(name: name, isDirectory: status.kind == .directory, size: status.size, modified: status.modifiedSeconds))
        }
        return sorted(entries)
    }

    /// Directories first, then files; within each, by name ignoring case, then by exact bytes.
    static func sorted(_ entries: [Entry]) -> [Entry] {
        entries.sorted { a, b in
            if a.isDirectory != b.isDirectory { return a.isDirectory }
            let (la, lb) = (a.name.lowercased(), b.name.lowercased())
            if la != lb { return la.utf8.lexicographicallyPrecedes(lb.utf8) }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
    }

    /// The HTML page for `entries` of the directory shown as `title` (the decoded URL path, ending in
    /// `/`); `parent` adds a `../` link first.
    static func page(title: String, entries: [Entry], parent: Bool) -> String {
        let heading = escape(title)
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Index of \(heading)</title>
            <style>
            body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 56em; padding: 0 1em; color: #222; }
            h1 { font-size: 1.4em; font-weight: 600; word-break: break-all; }
            table { border-collapse: collapse; width: 100%; }
            th, td { text-align: left; padding: 0.35em 0.8em; border-bottom: 1px solid #e4e4e4; }
            th { font-weight: 600; color: #555; border-bottom: 2px solid #ccc; }
            td.size, th.size { text-align: right; font-variant-numeric: tabular-nums; }
            td.modified { font-variant-numeric: tabular-nums; color: #555; white-space: nowrap; }
            a { color: #0b57d0; text-decoration: none; }
            a:hover { text-decoration: underline; }
            tr.dir a { font-weight: 600; }
            footer { margin-top: 1.5em; color: #888; font-size: 0.85em; }
            </style>
            </head>
            <body>
            <h1>Index of \(heading)</h1>
            <table>
            <thead><tr><th>Name</th><th class="size">Size</th><th>Last modified (UTC)</th></tr></thead>
            <tbody>

            """
        if parent {
            html += "<tr class=\"dir\"><td><a href=\"../\">../</a></td><td class=\"size\">-</td><td class=\"modified\"></td></tr>\n"
        }
        for entry in entries {
            let slash = entry.isDirectory ? "/" : ""
            let href = PercentEncoding.encodeSegment(entry.name) + slash
            let size = entry.isDirectory ? "-" : humanSize(entry.size)
            let bytes = entry.isDirectory ? "" : " data-bytes=\"\(entry.size)\""
            html += "<tr class=\"\(entry.isDirectory ? "dir" : "file")\"><td><a href=\"\(href)\">\(escape(entry.name))\(slash)</a></td>"
                + "<td class=\"size\"\(bytes)>\(size)</td><td class=\"modified\">\(timestamp(entry.modified))</td></tr>\n"
        }
        html += """
            </tbody>
            </table>
            <footer>\(entries.count) \(entries.count == 1 ? "entry" : "entries") · swift-httpd</footer>
            </body>
            </html>

            """
        return html
    }

    /// `text` with `& < > " '` replaced by character references.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A size for people: `512 B`, `1.5 KiB`, `20 MiB`, `3.2 GiB`.
    static func humanSize(_ bytes: Int64) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var unit = 0
        var scale: Int64 = 1024
        while unit < units.count - 1 && bytes / scale >= 1024 {
            scale *= 1024
            unit += 1
        }
        let tenths = Int64((Double(bytes) / Double(scale) * 10).rounded())
        if tenths >= 100 { return "\(Int64((Double(bytes) / Double(scale)).rounded())) \(units[unit])" }
        return tenths % 10 == 0 ? "\(tenths / 10) \(units[unit])" : "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }

    /// `seconds` as `2026-11-25 14:03` (UTC).
    static func timestamp(_ seconds: Int64) -> String {
        var clock = time_t(seconds)
        var parts = tm()
        gmtime_r(&clock, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min))"
    }
}
