import FoundationEssentials
import HTTPD

extension HTTPResponse {
    /// Sends `value` encoded as JSON, with `Content-Type: application/json` unless `headers` has one.
    ///
    /// ```swift
    /// try await response.write(status: 201, json: todo)
    /// ```
    nonisolated(nonsending) public func write(
        status: Int, headers: [(name: String, value: String)] = [], json value: some Encodable, encoder: JSONEncoder = JSONEncoder()
    ) async throws {
        let data = try encoder.encode(value)
        var headers = headers
        if !headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            headers.append(("Content-Type", "application/json"))
        }
        try await write(status: status, headers: headers, body: [UInt8](data))
    }
}
