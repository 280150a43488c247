/// Media-type checks on `Content-Type` values.
enum MediaType {
    /// Whether `contentType` is `application/json` or a `…/…+json` type, parameters aside, without case.
    static func isJSON(_ contentType: String) -> Bool {
        let type = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces.lowercased() } ?? ""
        return type == "application/json" || (type.contains("/") && type.hasSuffix("+json"))
    }
}

extension Substring {
    /// Without the spaces and tabs at either end.
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }
}
