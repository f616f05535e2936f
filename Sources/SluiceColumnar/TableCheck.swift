/// One data check on a table, in the table's own terms: column names and
/// values already of the column's type (the compiler checked both against the
/// declared schema; `TableChecks` checks them again against the file it reads).
public struct TableCheck: Sendable, Hashable {
    public enum Rule: Sendable, Hashable {
        /// No two rows share the same values in these columns (null counts as a value, as in pandas' `duplicated`).
        case unique([String])
        /// No row holds null (or, in a float64 column, NaN) in any of these columns.
        case notNull([String])
        /// Every non-null value lies within the inclusive bounds; NaN lies within none.
        case range(column: String, min: ColumnValue?, max: ColumnValue?)
        /// Every non-null value is one of these.
        case acceptedValues(column: String, values: [ColumnValue])
        /// The table's row count lies within the inclusive bounds.
        case rows(min: Int?, max: Int?)
    }

    public var rule: Rule
    /// A failing warning is recorded; only a failing error fails the attempt.
    public var isWarning: Bool

    public init(_ rule: Rule, isWarning: Bool = false) {
        self.rule = rule
        self.isWarning = isWarning
    }

    /// The check's name as the spec spells it.
    public var name: String {
        switch rule {
        case .unique: "unique"
        case .notNull: "not_null"
        case .range: "range"
        case .acceptedValues: "accepted_values"
        case .rows: "rows"
        }
    }

    /// The columns the check reads, in the order the spec gives them.
    public var columns: [String] {
        switch rule {
        case .unique(let columns), .notNull(let columns): columns
        case .range(let column, _, _), .acceptedValues(let column, _): [column]
        case .rows: []
        }
    }

    /// `unique(unique_id, ds)`, `range(y, min 0)`: the check as messages name it.
    public var label: String {
        switch rule {
        case .unique(let columns), .notNull(let columns):
            return "\(name)(\(columns.joined(separator: ", ")))"
        case .range(let column, let min, let max):
            let bounds = [min.map { "min " + Self.text($0) }, max.map { "max " + Self.text($0) }].compactMap { $0 }
            return "range(\(column), \(bounds.joined(separator: ", ")))"
        case .acceptedValues(let column, let values):
            let shown = values.prefix(5).map(Self.text).joined(separator: ", ") + (values.count > 5 ? ", …" : "")
            return "accepted_values(\(column) in [\(shown)])"
        case .rows(let min, let max):
            let bounds = [min.map { "min \($0)" }, max.map { "max \($0)" }].compactMap { $0 }
            return "rows(\(bounds.joined(separator: ", ")))"
        }
    }

    /// A value as messages show it: its canonical text, `null` for null.
    public static func text(_ value: ColumnValue) -> String {
        ValueFormatter.text(value) ?? "null"
    }

    /// A cell as an example shows it: its text, cut at 80 characters (a
    /// megabyte cell must not make a megabyte message).
    public static func shown(_ value: ColumnValue) -> String {
        let text = self.text(value)
        return text.count > 80 ? String(text.prefix(80)) + "…" : text
    }
}

extension ColumnValue {
    /// Parses `text` as ingest reads a cell of a `type` column (a timestamp
    /// may carry any offset and is kept in UTC); nil when it is not one.
    public static func parse(_ text: String, as type: ColumnType) -> ColumnValue? {
        var text = text
        return text.withUTF8 { bytes -> ColumnValue? in
            switch type {
            case .int64: ValueParser.int64(bytes).map(ColumnValue.int64)
            case .float64: ValueParser.float64(bytes).map(ColumnValue.float64)
            case .bool: ValueParser.bool(bytes).map(ColumnValue.bool)
            case .string: .string(String(decoding: bytes, as: UTF8.self))
            case .date: ValueParser.date(bytes).map(ColumnValue.date)
            case .timestamp: ValueParser.timestamp(bytes).map(ColumnValue.timestamp)
            }
        }
    }
}

/// What one check found: how many rows failed and the first few of them.
public struct TableCheckResult: Sendable, Equatable {
    /// One failing row: its number (data rows count from 1) and the checked columns' values.
    public struct Example: Sendable, Equatable {
        public var row: Int
        public var values: [ColumnValue]
        /// For `unique`: the earlier row holding the same key.
        public var repeatsRow: Int?
    }

    public var check: TableCheck
    /// Rows that break the check; for `rows`, 1 when the count is out of bounds.
    public var failingRows: Int
    /// All rows read.
    public var totalRows: Int
    public var examples: [Example]

    public var passed: Bool { failingRows == 0 }

    /// `passed`, `failed` or `warned`.
    public var status: String { passed ? "passed" : (check.isWarning ? "warned" : "failed") }

    /// One line for a message: the check, how many rows fail, the first examples.
    public var summary: String {
        if case .rows = check.rule { return "check \(check.label) failed: the table has \(totalRows) row\(totalRows == 1 ? "" : "s")" }
        let columns = check.columns
        let shown = examples.map { example in
            let cells = zip(columns, example.values).map { "\($0)=\(TableCheck.shown($1))" }.joined(separator: ", ")
            return "row \(example.row) (\(cells))" + (example.repeatsRow.map { " repeats row \($0)" } ?? "")
        }
        let more = failingRows > examples.count ? ", …" : ""
        return "check \(check.label) failed on \(failingRows) of \(totalRows) row\(totalRows == 1 ? "" : "s"): " + shown.joined(separator: ", ") + more
    }
}
