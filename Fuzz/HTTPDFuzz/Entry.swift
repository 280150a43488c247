// Entry points.
//
// Built by `scripts/fuzz` (`-sanitize=fuzzer -DHTTPD_FUZZ`): libFuzzer's `LLVMFuzzerTestOneInput`, and
// libFuzzer supplies `main`. Built by a plain `swift build`: a tool that replays inputs through the same
// harness (`swift run HTTPDFuzz Fuzz/corpus`), so the target compiles and the corpus can be checked
// without libFuzzer.
#if HTTPD_FUZZ
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.run(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

/// libFuzzer's driver (what its own `main` calls).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// SwiftPM links every executable with `main` renamed to `<module>_main` (so tests can link
/// executables), which hides libFuzzer's `main`: this is that entry point, handing over to libFuzzer.
@_cdecl("HTTPDFuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) }
}
#else
#if canImport(Glibc)
import Glibc
#endif

@main
struct HTTPDFuzzReplay {
    static func main() {
        #if DEBUG
        let paths = CommandLine.arguments.dropFirst()
        guard !paths.isEmpty else {
            print("usage: HTTPDFuzz FILE-OR-DIRECTORY...  (replays fuzz inputs through the harness)")
            exit(2)
        }
        // HTTPDFUZZ_REPEAT=N replays everything N times (to watch memory across many connections).
        let repeats = getenv("HTTPDFUZZ_REPEAT").flatMap { Int(String(cString: $0)) } ?? 1
        var inputs: [[UInt8]] = []
        for path in paths {
            for file in files(at: path) {
                guard let bytes = read(file) else {
                    print("cannot read \(file)")
                    exit(1)
                }
                inputs.append(bytes)
            }
        }
        for _ in 0..<repeats {
            for bytes in inputs { bytes.withUnsafeBufferPointer { FuzzHarness.run($0) } }
        }
        print("replayed \(inputs.count) input(s) \(repeats) time(s): no invariant broken; \(residentMemory())")
        #else
        print("HTTPDFuzz: build with scripts/fuzz (libFuzzer), or in debug to replay inputs")
        exit(2)
        #endif
    }

    /// The process's resident memory, from /proc/self/status.
    static func residentMemory() -> String {
        guard let status = read("/proc/self/status") else { return "" }
        let text = String(decoding: status, as: UTF8.self)
        return text.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }.map { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().joined(separator: " ") }.map { "RSS \($0)" } ?? ""
    }

    /// `path` itself, or the regular files directly inside it when it is a directory.
    static func files(at path: String) -> [String] {
        guard let directory = opendir(path) else { return [path] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { names.append(path + "/" + name) }
        }
        return names.sorted()
    }

    static func read(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        return bytes
    }
}
#endif
