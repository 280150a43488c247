/// How an error message names the type a value should have had.
enum TypeName {
    /// `an integer` for `Int`, `a number` for `Double`, …, else `a UInt16` (the type's name).
    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type, is Int32.Type: return "an integer"
        case is UInt.Type, is UInt64.Type, is UInt32.Type: return "a non-negative integer"
        case is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            return "AEIOU".contains(name.first ?? "x") ? "an \(name)" : "a \(name)"
        }
    }
}
