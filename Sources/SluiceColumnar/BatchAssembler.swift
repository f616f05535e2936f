/// Receives the record batches ingest fills.
protocol BatchSink: AnyObject {
    func write(_ batch: RecordBatch) throws
}

extension ArrowWriter: BatchSink {}

/// Hands batches to a closure; for `TableIngest.readBatches` and tests.
final class ClosureBatchSink: BatchSink {
    private let body: (RecordBatch) throws -> Void

    init(_ body: @escaping (RecordBatch) throws -> Void) {
        self.body = body
    }

    func write(_ batch: RecordBatch) throws { try body(batch) }
}

/// Collects rows into a batch held by value (so the per-cell hot path has
/// no class or exclusivity overhead) and passes each full batch on.
struct BatchAssembler {
    var builder: RecordBatchBuilder
    private(set) var totalRows = 0
    let rowsPerBatch: Int
    private let sink: BatchSink
    private let stringColumns: [Int]

    init(schema: TableSchema, rowsPerBatch: Int, sink: BatchSink) {
        builder = RecordBatchBuilder(schema: schema)
        self.rowsPerBatch = max(1, rowsPerBatch)
        self.sink = sink
        stringColumns = schema.columns.indices.filter { schema.columns[$0].type == .string }
    }

    /// Call after appending one value to every column.
    mutating func rowDone() throws {
        try rowsDone(1)
    }

    /// Call after appending `count` values to every column (never more than
    /// fit in the current batch).
    mutating func rowsDone(_ count: Int) throws {
        builder.didAppendRows(count)
        totalRows += count
        if builder.rowCount >= rowsPerBatch || isNearStringLimit { try flush() }
    }

    /// Writes the rows collected so far, if any.
    mutating func flush() throws {
        guard builder.rowCount > 0 else { return }
        try sink.write(builder.makeBatch())
    }

    /// A string buffer nearing Arrow's 2 GiB offset limit cuts the batch early.
    private var isNearStringLimit: Bool {
        for index in stringColumns where builder.columns[index].stringByteCount >= ArrowTableWriter.stringBytesPerBatchLimit {
            return true
        }
        return false
    }
}
