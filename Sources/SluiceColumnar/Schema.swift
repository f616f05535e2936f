/// The column types a Sluice table can hold. The raw values are the names the
/// spec language uses in `table(col: type, ...)`.
public enum ColumnType: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case int64
    case float64
    case bool
    case string
    /// Days since 1970-01-01 (Arrow `date32`).
    case date
    /// Microseconds since 1970-01-01T00:00:00Z (Arrow `timestamp[us, UTC]`).
    case timestamp

    public var description: String { rawValue }

    /// The name Arrow tools (pyarrow, `verify_arrow.py`) print for this type.
    public var arrowName: String {
        switch self {
        case .int64: return "int64"
        case .float64: return "float64"
        case .bool: return "bool"
        case .string: return "utf8"
        case .date: return "date32"
        case .timestamp: return "timestamp[us,UTC]"
        }
    }
}

/// One named, typed column of a table. Every column is nullable.
public struct TableColumn: Sendable, Hashable {
    public var name: String
    public var type: ColumnType

    public init(name: String, type: ColumnType) {
        self.name = name
        self.type = type
    }
}

/// The declared shape of a table: ordered, uniquely named columns.
///
/// The compiler maps a spec's `table(col: type, ...)` onto this value; the
/// writer, the reader and ingest all work from it.
public struct TableSchema: Sendable, Hashable, CustomStringConvertible {
    public var columns: [TableColumn]

    public init(columns: [TableColumn]) {
        self.columns = columns
    }

    /// Convenience for literals: `TableSchema([("id", .int64), ("name", .string)])`.
    public init(_ columns: [(name: String, type: ColumnType)]) {
        self.columns = columns.map { TableColumn(name: $0.name, type: $0.type) }
    }

    public var names: [String] { columns.map(\.name) }

    /// The spec-language spelling, e.g. `table(id: int64, name: string)`.
    public var description: String {
        "table(" + columns.map { "\($0.name): \($0.type)" }.joined(separator: ", ") + ")"
    }

    /// The first name that occurs twice, if any; a table cannot hold it.
    public var duplicateColumnName: String? {
        var seen = Set<String>()
        for column in columns where !seen.insert(column.name).inserted {
            return column.name
        }
        return nil
    }
}
