import SluiceBasics

/// A JSON document whose objects are dictionaries, printed with keys sorted
/// by their UTF-8 bytes: the machine formats of `lint` (JSON, SARIF) are
/// golden-tested contracts, so their key order must not depend on how a
/// renderer built them. Printing goes through `JSON` (two-space indentation,
/// `[]`/`{}` for empty containers, no escaped slashes), the one JSON writer;
/// why not `JSONEncoder`: its pretty layout is a Foundation implementation detail.
public indirect enum JSONValue: Hashable, Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    /// The document, pretty-printed, with a trailing newline.
    public func rendered() -> String {
        json.pretty()
    }

    /// The document with each object's keys in UTF-8 byte order.
    public var json: JSON {
        switch self {
        case .string(let text): .string(text)
        case .int(let value): .int(Int64(value))
        case .bool(let value): .bool(value)
        case .null: .null
        case .array(let items): .array(items.map(\.json))
        case .object(let members):
            .object(members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, $0.value.json) })
        }
    }
}
