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

/// The logic behind `sluice cat`: reads a table batch by batch and prints
/// it, so even a huge table prints in constant memory. The file may be Arrow
/// IPC, CSV or JSON lines, told apart by content as staged task outputs are
/// (`TableIngest.InputFormat.detect`), except that a file named `.arrow`,
/// `.arrows`, `.feather` or `.ipc` is always read as Arrow; CSV and JSON
/// lines get the schema `TextTableSchema` infers. Parquet is refused.
public enum TablePrinter {
    public static func print(path: String, options: CatOptions, to output: TextOutput) throws {
        let reader = try openTable(path)
        if options.schemaOnly {
            try output.write(schemaText(reader.schema, format: options.format))
        } else {
            try printRows(reader, options: options, to: output)
        }
        try output.flush()
    }

    private static func openTable(_ path: String) throws -> any RecordBatchReader {
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

    private static func printRows(_ reader: any RecordBatchReader, options: CatOptions, to output: TextOutput) throws {
        let sink: RowSink
        switch options.format {
        case .csv: sink = CSVRowSink(output: output)
        case .json: sink = JSONRowSink(output: output)
        case .table: sink = AlignedTableSink(output: output)
        }
        try sink.begin(reader.schema)
        var remaining = max(0, options.head ?? Int.max)
        var printed = 0
        var cutShort = false
        while let batch = try reader.nextBatch() {
            if remaining == 0 {
                cutShort = batch.rowCount > 0
                if cutShort { break } else { continue }
            }
            let take = min(batch.rowCount, remaining)
            for row in 0..<take { try sink.row(batch.row(row)) }
            remaining -= take
            printed += take
            if take < batch.rowCount {
                cutShort = true
                break
            }
        }
        try sink.end(rowsPrinted: printed, cutShort: cutShort)
    }
}

/// Receives the rows to print in one format.
protocol RowSink: AnyObject {
    func begin(_ schema: TableSchema) throws
    func row(_ values: [ColumnValue]) throws
    func end(rowsPrinted: Int, cutShort: Bool) throws
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

    func end(rowsPrinted: Int, cutShort: Bool) throws {}
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

    func end(rowsPrinted: Int, cutShort: Bool) throws {}
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
