/// A JSON document whose objects keep their members in the order written.
/// Why not `JSONValue` (SluiceDiagnostics): it sorts keys, which would put
/// `$defs` before `$schema` and `additionalProperties` before `type`; a schema
/// reads best in authored order (`$schema`, `title`, `type`, `properties`),
/// and a fixed authored order is just as deterministic. Why not SluicePlan's
/// `JSON`: SluiceSpec does not depend on SluicePlan (Package.swift).
indirect enum OrderedJSON: Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    /// The document, two-space indented, `"key": value`, `[]`/`{}` for empty
    /// containers, ending in a newline (so the file in docs/ is a proper text file).
    func rendered() -> String {
        var out = ""
        write(to: &out, indent: "")
        out += "\n"
        return out
    }

    private func write(to out: inout String, indent: String) {
        switch self {
        case .string(let text): Self.writeString(text, to: &out)
        case .int(let value): out += String(value)
        case .bool(let value): out += value ? "true" : "false"
        case .array(let items):
            writeContainer(items, open: "[", close: "]", to: &out, indent: indent) { item, out, inner in
                item.write(to: &out, indent: inner)
            }
        case .object(let members):
            writeContainer(members, open: "{", close: "}", to: &out, indent: indent) { member, out, inner in
                Self.writeString(member.0, to: &out)
                out += ": "
                member.1.write(to: &out, indent: inner)
            }
        }
    }

    private func writeContainer<Element>(_ elements: [Element], open: String, close: String, to out: inout String,
                                         indent: String, _ body: (Element, inout String, String) -> Void) {
        guard !elements.isEmpty else { out += open + close; return }
        let inner = indent + "  "
        out += open + "\n"
        for (index, element) in elements.enumerated() {
            out += inner
            body(element, &out, inner)
            out += index == elements.count - 1 ? "\n" : ",\n"
        }
        out += indent + close
    }

    /// RFC 8259 escaping: quote, backslash and C0 controls only. A regex
    /// pattern's backslashes come out doubled, as JSON requires.
    private static func writeString(_ text: String, to out: inout String) {
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

// Literals keep the schema tables in SpecSchema.swift readable; a dictionary
// literal hands its pairs over in source order, so objects stay ordered.
extension OrderedJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: OrderedJSON...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, OrderedJSON)...) { self = .object(elements) }
}
