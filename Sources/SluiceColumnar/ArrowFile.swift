/// Entry points for writing whole tables atomically: the target path holds
/// either its previous content or the complete new Arrow file.
public enum ArrowFile {
    /// Sluice's batch size: small enough for flat memory, large enough that
    /// per-batch metadata is noise.
    public static let defaultRowsPerBatch = 65_536

    /// Writes `batches` to `path` in one atomic step.
    public static func write(
        _ batches: [RecordBatch], schema: TableSchema, to path: String, format: ArrowWriter.Format = .file
    ) throws {
        try AtomicFile.withWriter(to: path) { sink in
            let writer = try ArrowWriter(sink: sink, schema: schema, format: format)
            for batch in batches { try writer.write(batch) }
            try writer.finish()
        }
    }

    /// Streams rows into `path`, cutting record batches of at most
    /// `rowsPerBatch` rows. Committed only if `body` returns normally.
    @discardableResult
    public static func withTableWriter<Result>(
        to path: String,
        schema: TableSchema,
        rowsPerBatch: Int = defaultRowsPerBatch,
        format: ArrowWriter.Format = .file,
        durable: Bool = true,
        _ body: (ArrowTableWriter) throws -> Result
    ) throws -> Result {
        try AtomicFile.withWriter(to: path, durable: { durable }) { sink in
            let writer = try ArrowWriter(sink: sink, schema: schema, format: format)
            let table = ArrowTableWriter(writer: writer, rowsPerBatch: rowsPerBatch)
            let result = try body(table)
            try table.finish()
            return result
        }
    }
}

/// Row-at-a-time writing on top of `ArrowWriter`: collects rows into a batch
/// and writes it out whenever it is full.
public final class ArrowTableWriter {
    public var schema: TableSchema { writer.schema }
    public private(set) var rowCount = 0
    private let writer: ArrowWriter
    private let rowsPerBatch: Int
    private var builder: RecordBatchBuilder
    /// Cut a batch before a string column nears Arrow's 2 GiB offset limit.
    static let stringBytesPerBatchLimit = 1 << 30

    init(writer: ArrowWriter, rowsPerBatch: Int) {
        self.writer = writer
        self.rowsPerBatch = max(1, rowsPerBatch)
        self.builder = RecordBatchBuilder(schema: writer.schema)
    }

    /// Appends one row of values in schema order.
    public func append(row: [ColumnValue]) throws {
        try builder.append(row: row)
        try didAppendRow()
    }

    /// Writes a ready-made batch, after any rows collected so far.
    public func append(batch: RecordBatch) throws {
        try flush()
        try writer.write(batch)
        rowCount += batch.rowCount
    }

    private func didAppendRow() throws {
        rowCount += 1
        if builder.rowCount >= rowsPerBatch || builder.largestStringBuffer >= Self.stringBytesPerBatchLimit {
            try flush()
        }
    }

    func flush() throws {
        guard builder.rowCount > 0 else { return }
        try writer.write(builder.makeBatch())
    }

    func finish() throws {
        try flush()
        try writer.finish()
    }
}
