/// One cell of a table, as callers see it. Dates and timestamps stay integers
/// (days, microseconds) so no precision is lost on the way through.
public enum ColumnValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case int64(Int64)
    case float64(Double)
    case bool(Bool)
    case string(String)
    /// Days since 1970-01-01.
    case date(Int32)
    /// Microseconds since 1970-01-01T00:00:00Z.
    case timestamp(Int64)

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The column type this value belongs to; nil for `.null`, which fits any.
    public var columnType: ColumnType? {
        switch self {
        case .null: return nil
        case .int64: return .int64
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .date: return .date
        case .timestamp: return .timestamp
        }
    }

    /// Floats compare by bit pattern so that NaN equals NaN and -0.0 differs
    /// from 0.0: a round trip must preserve both.
    public static func == (lhs: ColumnValue, rhs: ColumnValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.int64(a), .int64(b)): return a == b
        case let (.float64(a), .float64(b)): return a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)
        case let (.bool(a), .bool(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.date(a), .date(b)): return a == b
        case let (.timestamp(a), .timestamp(b)): return a == b
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .int64(let v): hasher.combine(v)
        case .float64(let v): hasher.combine(v.isNaN ? Double.nan.bitPattern : v.bitPattern)
        case .bool(let v): hasher.combine(v)
        case .string(let v): hasher.combine(v)
        case .date(let v): hasher.combine(v)
        case .timestamp(let v): hasher.combine(v)
        }
    }

    /// The text `sluice cat --format csv` prints (empty for null).
    public var description: String { ValueFormatter.text(self) ?? "" }
}
