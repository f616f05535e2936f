/// A JSON document built in memory and printed deterministically: object
/// keys sorted by their UTF-8 bytes, two-space indentation, `[]`/`{}` for
/// empty containers, no escaped slashes. Why not `JSONEncoder`: its pretty
/// layout (`"key" : value`, empty arrays over three lines) is a Foundation
/// implementation detail, and the machine formats are golden-tested contracts.
public indirect enum JSONValue: Hashable, Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    /// The document, pretty-printed, with a trailing newline.
    public func rendered() -> String {
        var out = ""
        write(to: &out, indent: "")
        out += "\n"
        return out
    }

    private func write(to out: inout String, indent: String) {
        switch self {
        case .string(let text): JSONValue.writeString(text, to: &out)
        case .int(let value): out += String(value)
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        case .array(let items): writeArray(items, to: &out, indent: indent)
        case .object(let members): writeObject(members, to: &out, indent: indent)
        }
    }

    private func writeArray(_ items: [JSONValue], to out: inout String, indent: String) {
        guard !items.isEmpty else { out += "[]"; return }
        let inner = indent + "  "
        out += "[\n"
        for (index, item) in items.enumerated() {
            out += inner
            item.write(to: &out, indent: inner)
            out += index == items.count - 1 ? "\n" : ",\n"
        }
        out += indent + "]"
    }

    private func writeObject(_ members: [String: JSONValue], to out: inout String, indent: String) {
        guard !members.isEmpty else { out += "{}"; return }
        let inner = indent + "  "
        let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        out += "{\n"
        for (index, key) in keys.enumerated() {
            out += inner
            JSONValue.writeString(key, to: &out)
            out += ": "
            members[key, default: .null].write(to: &out, indent: inner)
            out += index == keys.count - 1 ? "\n" : ",\n"
        }
        out += indent + "}"
    }

    /// RFC 8259 string escaping: quote, backslash and C0 controls only.
    static func writeString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
