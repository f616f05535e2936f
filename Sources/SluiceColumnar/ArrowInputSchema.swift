/// How a column is laid out in Arrow data Sluice reads, which decides how its
/// values become one of the canonical column types.
enum ArrowValueLayout: Equatable, Sendable {
    /// int8…int64 and uint8…uint64, read into int64 (uint64 only while it fits).
    case integer(bits: Int, signed: Bool)
    /// float16, float32 and float64, read into float64.
    case floatingPoint(bits: Int)
    case bool
    /// utf8 and binary (4-byte offsets), large_utf8 and large_binary (8-byte
    /// offsets); binary must hold UTF-8, as it becomes a string.
    case variableBinary(offsetBytes: Int, isUTF8: Bool)
    /// utf8_view and binary_view: 16-byte views, short strings inline.
    case view(isUTF8: Bool)
    case date32
    /// Milliseconds; each value must be a whole day.
    case date64
    /// Any unit and any zone; Arrow stores zoned timestamps as UTC already.
    case timestamp(unit: TimeUnit)

    var canonicalType: ColumnType {
        switch self {
        case .integer: return .int64
        case .floatingPoint: return .float64
        case .bool: return .bool
        case .variableBinary, .view: return .string
        case .date32, .date64: return .date
        case .timestamp: return .timestamp
        }
    }

    /// Arrow's name for the layout, as pyarrow prints it.
    var arrowName: String {
        switch self {
        case .integer(let bits, let signed): return (signed ? "int" : "uint") + String(bits)
        case .floatingPoint(let bits): return "float" + String(bits)
        case .bool: return "bool"
        case .variableBinary(let width, let utf8): return (width == 8 ? "large_" : "") + (utf8 ? "utf8" : "binary")
        case .view(let utf8): return utf8 ? "utf8_view" : "binary_view"
        case .date32: return "date32"
        case .date64: return "date64"
        case .timestamp(let unit): return "timestamp[\(unit.name)]"
        }
    }
}

/// Arrow's `TimeUnit` (Schema.fbs).
enum TimeUnit: Int16, Sendable {
    case second = 0, millisecond, microsecond, nanosecond

    var name: String { ["s", "ms", "us", "ns"][Int(rawValue)] }
}

/// A column's `DictionaryEncoding`: which dictionary, and the index type.
struct DictionaryEncoding: Equatable, Sendable {
    var id: Int64
    var indexBits: Int
    var indexSigned: Bool
}

/// One field of an Arrow schema as read: its name, layout, zone and dictionary.
struct ArrowField: Equatable, Sendable {
    var name: String
    var layout: ArrowValueLayout
    /// The timestamp's zone (a tz name or an offset); nil for naive timestamps
    /// and other types. It does not change the stored values, which are UTC.
    var timeZone: String?
    var dictionary: DictionaryEncoding?

    /// The Arrow type as errors name it, e.g. `timestamp[ns, Europe/Paris]`.
    var arrowName: String {
        var name = layout.arrowName
        if case .timestamp(let unit) = layout, let timeZone { name = "timestamp[\(unit.name), \(timeZone)]" }
        guard let dictionary else { return name }
        return "dictionary<values=\(name), indices=\(dictionary.indexSigned ? "int" : "uint")\(dictionary.indexBits)>"
    }
}

/// An Arrow schema as read, and the canonical table schema it becomes.
struct ArrowSchema: Equatable, Sendable {
    var fields: [ArrowField]

    var table: TableSchema {
        TableSchema(columns: fields.map { TableColumn(name: $0.name, type: $0.layout.canonicalType) })
    }
}
