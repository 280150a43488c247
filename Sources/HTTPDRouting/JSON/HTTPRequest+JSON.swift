import FoundationEssentials
import HTTPD

extension HTTPRequest {
    /// The body decoded from JSON as a `T`.
    ///
    /// Throws `HTTPError` 415 unless `Content-Type` is `application/json` (or another `…+json` type),
    /// 400 for an empty body, and 400 with the reason when the body does not decode (`missing key
    /// "title"`, `expected a Bool at done`). Body-reading errors (413 over the limit, …) pass through.
    nonisolated(nonsending) public func decode<T: Decodable>(_ type: T.Type = T.self, decoder: JSONDecoder = JSONDecoder()) async throws -> T {
        guard let contentType = header("Content-Type"), MediaType.isJSON(contentType) else {
            throw HTTPError(415, "expected Content-Type: application/json, got \(header("Content-Type") ?? "none")")
        }
        guard let body = try await body(), !body.isEmpty else { throw HTTPError(400, "the request body is empty: expected JSON") }
        do {
            return try decoder.decode(T.self, from: Data(body))
        } catch let error as DecodingError {
            throw HTTPError(400, "the JSON body does not decode: \(DecodingErrorText.describe(error))")
        }
    }
}
