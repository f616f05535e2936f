import Foundation
import SluiceBasics

/// How cells are spelled in each `sluice cat` format.
enum CellText {
    /// A CSV field: empty for null, quoted when needed, `""` for an empty
    /// string, so ingest reads back exactly the same value.
    static func csv(_ value: ColumnValue) -> String {
        guard let text = ValueFormatter.text(value) else { return "" }
        guard case .string = value else { return text }
        return csvQuotedIfNeeded(text, quoteEmpty: true)
    }

    static func csvQuotedIfNeeded(_ text: String, quoteEmpty: Bool) -> String {
        let needsQuotes = (text.isEmpty && quoteEmpty) || text.utf8.contains {
            $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r")
        }
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A JSON value: numbers and booleans bare, NaN and infinities as the
    /// strings "NaN", "inf", "-inf", dates and timestamps as ISO strings.
    static func json(_ value: ColumnValue) -> String {
        switch value {
        case .null: return "null"
        case .int64(let v): return String(v)
        case .bool(let v): return v ? "true" : "false"
        case .float64(let v) where v.isFinite: return ValueFormatter.float(v)
        default: return JSONString.quoted(ValueFormatter.text(value) ?? "")
        }
    }

    /// A table cell: one line, control characters shown as escapes.
    static func display(_ value: ColumnValue) -> String {
        guard let text = ValueFormatter.text(value) else { return "null" }
        guard case .string = value else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
