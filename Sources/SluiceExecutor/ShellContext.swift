import SluicePlan

extension ValueRendering {
    /// A value's text for its spot in a command (`ShellSpots`), quoted for
    /// that spot. A single-quoted word is safe outside quotes, but inside
    /// `"…"` its quotes are literal and a `$(…)` in the value would run;
    /// each spot of the allow-list gets the quoting that keeps the value
    /// data there, and no other spot takes a value at all.
    static func render(_ value: JSON, type: ValueType?, in spot: ShellSpot) throws(RenderError) -> String {
        switch spot {
        case .word:
            return shellWords(value, type: type)
        case .singleQuoted:
            // Close the quotes, add the quoted words, reopen: 'a '"'"'b'… stays one string.
            return "'" + shellWords(value, type: type) + "'"
        case .doubleQuoted:
            return escape(texts(value, type: type).joined(separator: " "), special: "\\$`\"")
        case .comment:
            return shellWords(value, type: type).replacingOccurrences(of: "\n", with: " ")
        case .arithmetic:
            // Digits and a sign: nothing an arithmetic expression could run.
            guard case .int = value else {
                throw RenderError("sits in arithmetic ($(( )), (( )), let, [[ -eq ]], declare -i) and is not an integer (it is \(value.kindDescription)); there the shell evaluates it as an expression")
            }
            return value.compact()
        case .unsafe(let spot):
            throw RenderError("sits \(spot)")
        }
    }

    /// The plain text of each word a value stands for (one, or one per list item).
    private static func texts(_ value: JSON, type: ValueType?) -> [String] {
        if case .json? = type { return [value.compact()] }
        if let items = value.arrayValue {
            if case .list(let element)? = type, case .json = element { return items.map { $0.compact() } }
            return items.map(plainText)
        }
        return [plainText(value)]
    }

    private static func escape(_ text: String, special: String) -> String {
        var out = String.UnicodeScalarView()
        let specials = Set(special.unicodeScalars)
        for scalar in text.unicodeScalars {
            if specials.contains(scalar) { out.append("\\") }
            out.append(scalar)
        }
        return String(out)
    }
}

extension JSON {
    /// "a string", "a list" …: for messages that must not repeat the value.
    var kindDescription: String {
        switch self {
        case .string: "a string"
        case .int: "an integer"
        case .double: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .array: "a list"
        case .object: "an object"
        }
    }
}
