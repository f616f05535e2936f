import SluiceBasics
/// The output formats of `sluice cat`.
public enum CatFormat: String, CaseIterable, Sendable {
    /// Aligned columns for people (the default on a terminal).
    case table
    /// CSV with a header; re-ingests to an identical Arrow file.
    case csv
    /// JSON lines, one object per row.
    case json
}

/// What `sluice cat` should print.
public struct CatOptions: Sendable {
    public var format: CatFormat
    /// Print at most this many rows.
    public var head: Int?
    /// Print the schema instead of the rows.
    public var schemaOnly: Bool

    public init(format: CatFormat, head: Int? = nil, schemaOnly: Bool = false) {
        self.format = format
        self.head = head
        self.schemaOnly = schemaOnly
    }
}

/// What `TablePrinter.print` printed: the rows, and the table's total when `head` cut it short.
public struct PrintedRows: Sendable, Equatable {
    public var rows: Int
    /// Every row of the table, counted past the cut; nil when every row was printed.
    public var total: Int?
}

/// The logic behind `sluice cat`: reads a table batch by batch and prints
/// it, so even a huge table prints in constant memory. The file may be Arrow
/// IPC, CSV or JSON lines, told apart by content as staged task outputs are
/// (`TableIngest.InputFormat.detect`), except that a file named `.arrow`,
/// `.arrows`, `.feather` or `.ipc` is always read as Arrow; CSV and JSON
/// lines get the schema `TextTableSchema` infers. Parquet is refused.
public enum TablePrinter {
    @discardableResult
    public static func print(path: String, options: CatOptions, to output: TextOutput) throws -> PrintedRows {
        let reader = try openTable(path)
        var printed = PrintedRows(rows: 0, total: nil)
        if options.schemaOnly {
            try output.write(schemaText(reader.schema, format: options.format))
        } else {
            printed = try printRows(reader, options: options, to: output)
        }
        try output.flush()
        return printed
    }

    static func openTable(_ path: String) throws -> any RecordBatchReader {
        let format = try TableIngest.InputFormat.detect(path: path)
        // A file named as Arrow that is not: say it is no readable Arrow file rather than print it as CSV.
        let namedArrow = [".arrow", ".arrows", ".feather", ".ipc"].contains { path.lowercased().hasSuffix($0) }
        if format == .arrow || namedArrow { return try ArrowReader.open(path: path) }
        return try TextTableReader(path: path, format: format)
    }

    static func schemaText(_ schema: TableSchema, format: CatFormat) -> String {
        guard format == .json else { return schema.description + "\n" }
        let columns = schema.columns.map { "{\"name\":\(JSONString.quoted($0.name)),\"type\":\"\($0.type)\"}" }
        return "{\"columns\":[" + columns.joined(separator: ",") + "]}\n"
    }

    private static func printRows(_ reader: any RecordBatchReader, options: CatOptions, to output: TextOutput) throws -> PrintedRows {
        let sink: RowSink
        switch options.format {
        case .csv: sink = CSVRowSink(output: output)
        case .json: sink = JSONRowSink(output: output)
        case .table: sink = AlignedTableSink(output: output)
        }
        try sink.begin(reader.schema)
        var remaining = max(0, options.head ?? Int.max)
        var printed = 0
        var seen = 0
        while let batch = try reader.nextBatch() {
            // Past the cut the batches are only counted, so `--head` can say the total.
            seen += batch.rowCount
            let take = min(batch.rowCount, remaining)
            for row in 0..<take { try sink.row(batch.row(row)) }
            remaining -= take
            printed += take
        }
        let total = seen > printed ? seen : nil
        try sink.end(rowsPrinted: printed, total: total)
        return PrintedRows(rows: printed, total: total)
    }
}

/// Receives the rows to print in one format.
protocol RowSink: AnyObject {
    func begin(_ schema: TableSchema) throws
    func row(_ values: [ColumnValue]) throws
    func end(rowsPrinted: Int, total: Int?) throws
}

/// CSV: header row, then one record per row.
final class CSVRowSink: RowSink {
    private let output: TextOutput

    init(output: TextOutput) {
        self.output = output
    }

    func begin(_ schema: TableSchema) throws {
        let header = schema.names.map { CellText.csvQuotedIfNeeded($0, quoteEmpty: schema.columns.count == 1) }
        try output.write(header.joined(separator: ",") + "\n")
    }

    func row(_ values: [ColumnValue]) throws {
        try output.write(values.map(CellText.csv).joined(separator: ",") + "\n")
    }

    func end(rowsPrinted: Int, total: Int?) throws {}
}

/// JSON lines: one object per row, keys in schema order.
final class JSONRowSink: RowSink {
    private let output: TextOutput
    private var keys: [String] = []

    init(output: TextOutput) {
        self.output = output
    }

    func begin(_ schema: TableSchema) throws {
        keys = schema.names.map { JSONString.quoted($0) + ":" }
    }

    func row(_ values: [ColumnValue]) throws {
        let members = zip(keys, values).map { $0 + CellText.json($1) }
        try output.write("{" + members.joined(separator: ",") + "}\n")
    }

    func end(rowsPrinted: Int, total: Int?) throws {}
}

/// A CSV or JSON-lines file read through ingest with an inferred schema.
/// Ingest pushes batches; this keeps the ones not printed yet, which with
/// `readBatches`' push model means the whole file's batches (cat of a text
/// file is for looking at it; a large one belongs in a task).
final class TextTableReader: RecordBatchReader {
    let schema: TableSchema
    private var pending: [RecordBatch] = []

    init(path: String, format: TableIngest.InputFormat) throws {
        schema = try TextTableSchema.infer(path: path, format: format)
        var batches: [RecordBatch] = []
        try TableIngest.readBatches(from: path, format: format, schema: schema) { batches.append($0) }
        pending = batches.reversed()
    }

    func nextBatch() throws -> RecordBatch? { pending.popLast() }
}
