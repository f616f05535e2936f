/// Where a literal (a duration, a cron schedule) is wrong, relative to the
/// literal's own text, counted in Unicode scalars: the checker adds `offset` to
/// the column of the YAML scalar that holds the literal, so the diagnostic
/// underlines exactly the bad part. Messages follow the rustc wording rules:
/// lowercase, no trailing period, user text quoted.
public struct LiteralError: Error, Equatable, Sendable {
    public var message: String
    /// Unicode scalars from the start of the literal's text to the bad part.
    public var offset: Int
    /// How many Unicode scalars the bad part spans (0 for "something is missing here").
    public var length: Int

    public init(message: String, offset: Int, length: Int) {
        self.message = message
        self.offset = offset
        self.length = length
    }
}

/// The literal's text split into Unicode scalars, so offsets are scalar counts
/// (what libyaml's columns count) and indexing never traps on user data.
struct ScalarText {
    let scalars: [Unicode.Scalar]

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    var count: Int { scalars.count }

    /// The scalar at `index`, or nil past either end.
    subscript(safe index: Int) -> Unicode.Scalar? {
        index >= 0 && index < scalars.count ? scalars[index] : nil
    }

    /// The text of `[start, end)`, clamped to the bounds.
    func slice(_ start: Int, _ end: Int) -> String {
        let lo = max(0, min(start, scalars.count)), hi = max(lo, min(end, scalars.count))
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[lo..<hi])
        return String(result)
    }

    /// `[start, end)` with leading and trailing whitespace removed.
    func trimmedBounds() -> (start: Int, end: Int) {
        var start = 0, end = scalars.count
        while start < end, scalars[start].properties.isWhitespace { start += 1 }
        while end > start, scalars[end - 1].properties.isWhitespace { end -= 1 }
        return (start, end)
    }
}

extension String {
    /// The text in double quotes with quotes, backslashes and control
    /// characters escaped, so a message quoting user input stays on one line
    /// and cannot smuggle terminal escapes.
    var literalQuoted: String {
        var out = "\""
        for scalar in unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.properties.generalCategory == .control {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// Decimal digits only (no signs, no `_`), so `Int("+5")`-style leniency
/// never lets a sign slip through a literal.
func isDigit(_ scalar: Unicode.Scalar?) -> Bool {
    guard let scalar else { return false }
    return scalar.value >= 0x30 && scalar.value <= 0x39
}
