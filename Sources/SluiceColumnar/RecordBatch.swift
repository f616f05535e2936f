/// A slice of a table: the same number of rows in every column. Tables are
/// written and read one batch at a time so memory stays bounded.
public struct RecordBatch: Sendable, Equatable {
    public let schema: TableSchema
    public let columns: [ColumnData]
    /// Rows in this batch (every column has this many; kept apart so a batch
    /// without columns still has a length, as in Arrow).
    public let rowCount: Int

    init(schema: TableSchema, columns: [ColumnData], rowCount: Int) {
        self.schema = schema
        self.columns = columns
        self.rowCount = rowCount
    }

    /// Builds a batch from rows of values (handy for small tables and tests).
    public init(schema: TableSchema, rows: [[ColumnValue]]) throws {
        var builder = RecordBatchBuilder(schema: schema)
        for row in rows { try builder.append(row: row) }
        self = builder.makeBatch()
    }

    /// The row at `index` as values in schema order.
    public func row(_ index: Int) -> [ColumnValue] {
        columns.map { $0.value(at: index) }
    }

    public var rows: [[ColumnValue]] { (0..<rowCount).map(row) }

    /// Logical equality: same schema and the same values (NaN equals NaN).
    public static func == (lhs: RecordBatch, rhs: RecordBatch) -> Bool {
        lhs.schema == rhs.schema && lhs.rowCount == rhs.rowCount && lhs.rows == rhs.rows
    }
}

/// Accumulates rows for one record batch. Call `makeBatch()` to take what has
/// been collected; the builder then starts empty and keeps its capacity.
public struct RecordBatchBuilder: Sendable {
    public let schema: TableSchema
    var columns: [ColumnData]
    public private(set) var rowCount = 0

    public init(schema: TableSchema) {
        self.schema = schema
        self.columns = schema.columns.map { ColumnData(type: $0.type) }
    }

    /// Appends one row; on a type mismatch nothing is appended.
    public mutating func append(row: [ColumnValue]) throws {
        guard row.count == columns.count else {
            throw ColumnarUsageError("a row has \(row.count) values but the table has \(columns.count) columns")
        }
        for (index, value) in row.enumerated() {
            if let type = value.columnType, type != columns[index].type {
                throw ColumnTypeMismatch(expected: columns[index].type, value: value, column: schema.columns[index].name)
            }
        }
        for (index, value) in row.enumerated() {
            try columns[index].append(value)
        }
        rowCount += 1
    }

    /// Called by ingest after it has appended `count` values to every column.
    mutating func didAppendRows(_ count: Int) { rowCount += count }

    /// Largest string buffer among the columns, to cut batches well before
    /// Arrow's 2 GiB per-buffer limit for utf8 offsets.
    var largestStringBuffer: Int {
        columns.reduce(0) { max($0, $1.stringByteCount) }
    }

    public mutating func makeBatch() -> RecordBatch {
        let batch = RecordBatch(schema: schema, columns: columns, rowCount: rowCount)
        for index in columns.indices { columns[index].removeAll() }
        rowCount = 0
        return batch
    }
}
