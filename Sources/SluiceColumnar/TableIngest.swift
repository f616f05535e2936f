/// Converts a task's CSV, JSON-lines or Arrow IPC output into Sluice's
/// canonical Arrow file, checked against the declared table schema. Input is streamed in chunks and the
/// output in record batches, so memory does not grow with the file. On any
/// error nothing is written: the output path keeps what it had.
public enum TableIngest {
    /// The formats a task may write a table in.
    public enum InputFormat: String, Sendable, CaseIterable {
        case csv
        case jsonLines = "jsonl"
        /// Arrow IPC, file or stream, in whatever the reader accepts.
        case arrow

        /// By name: `.jsonl`, `.ndjson` and `.json` are JSON lines, `.arrow`,
        /// `.feather` and `.ipc` Arrow; anything else is CSV. (Staged task
        /// outputs are detected by content instead: `detect(path:)`.)
        public init(path: String) {
            let lowered = path.lowercased()
            if [".jsonl", ".ndjson", ".json"].contains(where: { lowered.hasSuffix($0) }) {
                self = .jsonLines
            } else if [".arrow", ".feather", ".ipc"].contains(where: { lowered.hasSuffix($0) }) {
                self = .arrow
            } else {
                self = .csv
            }
        }
    }

    /// Reads `inputPath` (a regular file; with `followingSymlinks: false`
    /// not a symlink either) and atomically writes the Arrow file
    /// `outputPath`. Returns the number of rows written. `observe` sees each
    /// batch as it is written, in order (the data checks run there, on the
    /// batches in memory, instead of reading the file back).
    @discardableResult
    public static func ingest(
        from inputPath: String,
        format: InputFormat? = nil,
        schema: TableSchema,
        to outputPath: String,
        rowsPerBatch: Int = ArrowFile.defaultRowsPerBatch,
        followingSymlinks: Bool = true,
        observe: ((RecordBatch) -> Void)? = nil
    ) throws -> Int {
        try checkSchema(schema)
        let format = format ?? InputFormat(path: inputPath)
        if format == .arrow {
            // Batch by batch, as they come: the input's batching is kept.
            return try AtomicFile.withWriter(to: outputPath) { file in
                let writer = try ArrowWriter(sink: file, schema: schema)
                var rows = 0
                try ArrowIngest(path: inputPath, schema: schema, followingSymlinks: followingSymlinks).run { batch in
                    try writer.write(batch)
                    observe?(batch)
                    rows += batch.rowCount
                }
                try writer.finish()
                return rows
            }
        }
        let source = try FileByteSource(path: inputPath, followingSymlinks: followingSymlinks)
        return try AtomicFile.withWriter(to: outputPath) { file in
            let writer = try ArrowWriter(sink: file, schema: schema)
            let sink: BatchSink = observe.map { observe in
                ClosureBatchSink { batch in
                    try writer.write(batch)
                    observe(batch)
                }
            } ?? writer
            var batches = BatchAssembler(schema: schema, rowsPerBatch: rowsPerBatch, sink: sink)
            try run(source, name: inputPath, format: format, schema: schema, into: &batches)
            try batches.flush()
            try writer.finish()
            return batches.totalRows
        }
    }

    /// Parses and checks `inputPath`, handing over record batches as they fill.
    public static func readBatches(
        from inputPath: String,
        format: InputFormat? = nil,
        schema: TableSchema,
        rowsPerBatch: Int = ArrowFile.defaultRowsPerBatch,
        _ body: @escaping (RecordBatch) throws -> Void
    ) throws {
        try checkSchema(schema)
        let format = format ?? InputFormat(path: inputPath)
        if format == .arrow { return try ArrowIngest(path: inputPath, schema: schema, followingSymlinks: true).run(body) }
        let source = try FileByteSource(path: inputPath)
        try collect(source, name: inputPath, format: format, schema: schema, rowsPerBatch: rowsPerBatch, body)
    }

    /// Parses text held in memory; `name` stands in for the file in errors.
    public static func parse(
        _ text: String, format: InputFormat, schema: TableSchema, name: String = "<input>",
        rowsPerBatch: Int = ArrowFile.defaultRowsPerBatch
    ) throws -> [RecordBatch] {
        try parse(Array(text.utf8), format: format, schema: schema, name: name, rowsPerBatch: rowsPerBatch)
    }

    /// As `parse(_:format:schema:name:rowsPerBatch:)`, for raw bytes (which need not be UTF-8).
    public static func parse(
        _ bytes: [UInt8], format: InputFormat, schema: TableSchema, name: String = "<input>",
        rowsPerBatch: Int = ArrowFile.defaultRowsPerBatch
    ) throws -> [RecordBatch] {
        try checkSchema(schema)
        var batches: [RecordBatch] = []
        try collect(MemoryByteSource(bytes), name: name, format: format, schema: schema,
                    rowsPerBatch: rowsPerBatch) { batches.append($0) }
        return batches
    }

    private static func collect(
        _ source: ByteSource, name: String, format: InputFormat, schema: TableSchema,
        rowsPerBatch: Int, _ body: @escaping (RecordBatch) throws -> Void
    ) throws {
        var batches = BatchAssembler(schema: schema, rowsPerBatch: rowsPerBatch, sink: ClosureBatchSink(body))
        try run(source, name: name, format: format, schema: schema, into: &batches)
        try batches.flush()
    }

    private static func run(
        _ source: ByteSource, name: String, format: InputFormat, schema: TableSchema, into batches: inout BatchAssembler
    ) throws {
        let input = ChunkedInput(source: source)
        switch format {
        case .csv: try CSVIngest(file: name, schema: schema).run(input: input, into: &batches)
        case .jsonLines: try JSONLinesIngest(file: name, schema: schema).run(input: input, into: &batches)
        case .arrow: throw ColumnarUsageError("an Arrow table is read from a file (TableIngest.ingest or readBatches), not from memory")
        }
    }

    private static func checkSchema(_ schema: TableSchema) throws {
        if let duplicate = schema.duplicateColumnName {
            throw ColumnarUsageError("column \"\(duplicate)\" appears twice in the table schema")
        }
    }
}
