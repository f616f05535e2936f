import SluicePlan

/// How substituted values become text. Inside `run` every value is quoted
/// for its spot, and only spots of `ShellSpots`' allow-list take a value, so
/// the shell reads it as data; inside an `env` value there is no shell, so
/// the text goes in as it is.
enum ValueRendering {
    /// One single-quoted shell word. Inside single quotes nothing is special
    /// except the quote itself, which is closed, escaped and reopened: `'\''`.
    /// Works on Unicode scalars, not Characters: a quote followed by a
    /// combining mark is one Character that is not equal to "'", and must
    /// still be escaped.
    static func shellQuote(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        out.append("'")
        for scalar in text.unicodeScalars {
            if scalar == "'" { out.append(contentsOf: "'\\''".unicodeScalars) } else { out.append(scalar) }
        }
        out.append("'")
        return String(out)
    }

    /// Shell words for a value of a declared type: a list becomes several
    /// words (none for an empty list), `json` its compact text, tables and
    /// files their path, numbers and booleans their literal text.
    static func shellWords(_ value: JSON, type: ValueType?) -> String {
        switch type {
        case .list(let element)?:
            guard let items = value.arrayValue else { return shellWord(value, type: nil) }
            return items.map { shellWord($0, type: element) }.joined(separator: " ")
        default:
            if type == nil, let items = value.arrayValue {
                return items.map { shellWord($0, type: nil) }.joined(separator: " ")
            }
            return shellWord(value, type: type)
        }
    }

    /// One word; `type` nil means "judge by the JSON value" (params, items).
    static func shellWord(_ value: JSON, type: ValueType?) -> String {
        if case .json? = type { return shellQuote(value.compact()) }
        switch value {
        case .string(let s): return shellQuote(s)
        // Digits, sign, point, exponent, true/false: nothing a shell could read as syntax.
        case .int, .double, .bool: return value.compact()
        case .null: return shellQuote("")
        case .array, .object: return shellQuote(value.compact())
        }
    }

    /// The text of a value in an environment variable: strings verbatim,
    /// lists and objects as compact JSON.
    static func plainText(_ value: JSON) -> String {
        switch value {
        case .string(let s): s
        case .null: ""
        default: value.compact()
        }
    }
}
