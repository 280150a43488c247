/// A `DecodingError` in words a client can act on.
enum DecodingErrorText {
    /// `missing key "title"`, `expected a Bool at done`, `null where a String was expected at items[2].name`, `invalid JSON`.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key \"\(key.stringValue)\"" + at(context.codingPath)
        case .typeMismatch(let type, let context):
            return "expected \(TypeName.describe(type))" + at(context.codingPath)
        case .valueNotFound(let type, let context):
            return "null where \(TypeName.describe(type)) was expected" + at(context.codingPath)
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "invalid JSON" : "invalid value" + at(context.codingPath)
        @unknown default:
            return "\(error)"
        }
    }

    /// ` at items[2].name`, or nothing at the top level.
    private static func at(_ path: [any CodingKey]) -> String {
        guard !path.isEmpty else { return "" }
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return " at " + text
    }
}
