import Foundation

/// Tokenized CSV records awaiting conversion: their field spans (row-major,
/// in file field order) and start lines. The spans point into the current
/// input window, so a block is converted before that window moves on.
struct CSVBlock {
    var fieldCount = 0
    private(set) var spans: [CSVFieldSpan] = []
    private(set) var lines: [Int] = []
    private(set) var rowCount = 0
    private var window: UnsafeMutableBufferPointer<UInt8>?

    mutating func append(_ record: CSVRecord) {
        window = record.bytes
        spans.append(contentsOf: record.spans)
        lines.append(record.line)
        rowCount += 1
    }

    mutating func removeAll() {
        spans.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
        rowCount = 0
        window = nil
    }

    /// The first bad cell of a block, in reading order.
    struct Failure {
        let row: Int
        let column: Int
        let text: String
        let reason: String?
    }

    /// Appends every row to `builder`'s columns, one concurrent task per
    /// column. On failure the columns may hold part of the block; the caller
    /// abandons the whole ingest then.
    func convert(into builder: inout RecordBatchBuilder, order: [Int], schema: TableSchema) -> Failure? {
        guard let window else { return nil }
        var failures = [Failure?](repeating: nil, count: order.count)
        spans.withUnsafeBufferPointer { spans in
            failures.withUnsafeMutableBufferPointer { failures in
                builder.columns.withUnsafeMutableBufferPointer { columns in
                    let job = ColumnJob(window: window, spans: spans, columns: columns, failures: failures,
                                        order: order, fieldCount: fieldCount, rowCount: rowCount)
                    if order.count == 1 || rowCount < 256 {
                        for column in order.indices { job.run(column: column) }
                    } else {
                        DispatchQueue.concurrentPerform(iterations: order.count) { job.run(column: $0) }
                    }
                }
            }
        }
        return failures.compactMap { $0 }.min { ($0.row, $0.column) < ($1.row, $1.column) }
    }
}

/// One block's conversion, shared by the column tasks. Each task touches
/// only its own column and failure slot, so the unchecked sharing is safe.
private struct ColumnJob: @unchecked Sendable {
    let window: UnsafeMutableBufferPointer<UInt8>
    let spans: UnsafeBufferPointer<CSVFieldSpan>
    let columns: UnsafeMutableBufferPointer<ColumnData>
    let failures: UnsafeMutableBufferPointer<CSVBlock.Failure?>
    let order: [Int]
    let fieldCount: Int
    let rowCount: Int

    func run(column: Int) {
        let field = order[column]
        for row in 0..<rowCount {
            let span = spans[row * fieldCount + field]
            let text = UnsafeBufferPointer(rebasing: window[span.start..<span.end])
            // Empty unquoted is null; `""` is the empty string in a string
            // column and null elsewhere (as shared/arrow/verify_arrow.py reads it).
            if text.isEmpty && (!span.quoted || columns[column].type != .string) {
                columns[column].appendNull()
            } else if let failure = CellConverter.append(text, to: &columns[column]) {
                failures[column] = CSVBlock.Failure(row: row, column: column, text: String(decoding: text, as: UTF8.self),
                                                    reason: failure.reason)
                return
            }
        }
    }
}
