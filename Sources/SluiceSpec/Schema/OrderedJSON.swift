import SluiceBasics

/// The editor schema as written in SpecSchema.swift: literals in authored
/// order (`$schema`, `title`, `type`, `properties`), which reads best and is
/// just as deterministic as sorted keys. It only builds: `rendered()` hands
/// the document to `JSON`, the one JSON writer.
indirect enum OrderedJSON: Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    /// The document, two-space indented, `"key": value`, `[]`/`{}` for empty
    /// containers, ending in a newline (so the file in docs/ is a proper text file).
    func rendered() -> String {
        json.pretty()
    }

    var json: JSON {
        switch self {
        case .string(let text): .string(text)
        case .int(let value): .int(Int64(value))
        case .bool(let value): .bool(value)
        case .array(let items): .array(items.map(\.json))
        case .object(let members): .object(members.map { ($0.0, $0.1.json) })
        }
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
