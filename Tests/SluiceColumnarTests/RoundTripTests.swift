import Foundation
@testable import SluiceColumnar
import SluiceTestSupport
import Testing

/// Writer → reader round trips through real files.
struct RoundTripTests {
    private func roundTrip(_ schema: TableSchema, _ rows: [[ColumnValue]], rowsPerBatch: Int,
                           format: ArrowWriter.Format = .file) throws -> (TableSchema, [[ColumnValue]], Int) {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("t.arrow")
        try ArrowFile.withTableWriter(to: path, schema: schema, rowsPerBatch: rowsPerBatch, format: format) { writer in
            for row in rows { try writer.append(row: row) }
        }
        return try readRows(path)
    }

    @Test func everyTypeWithNullsInSeveralBatches() throws {
        var generator = SeededGenerator(seed: 1)
        let rows = RandomTables.rows(everyTypeSchema, count: 1000, using: &generator)
        let (schema, read, batches) = try roundTrip(everyTypeSchema, rows, rowsPerBatch: 128)
        #expect(schema == everyTypeSchema)
        #expect(batches == 8)
        #expect(read == rows)
    }

    @Test func streamFormatRoundTrips() throws {
        var generator = SeededGenerator(seed: 2)
        let rows = RandomTables.rows(everyTypeSchema, count: 300, using: &generator)
        let (_, read, batches) = try roundTrip(everyTypeSchema, rows, rowsPerBatch: 100, format: .stream)
        #expect(batches == 3)
        #expect(read == rows)
    }

    @Test func emptyTableHasNoBatches() throws {
        let (schema, read, batches) = try roundTrip(everyTypeSchema, [], rowsPerBatch: 10)
        #expect(schema == everyTypeSchema && read.isEmpty && batches == 0)
        let (_, _, streamBatches) = try roundTrip(everyTypeSchema, [], rowsPerBatch: 10, format: .stream)
        #expect(streamBatches == 0)
    }

    @Test func allNullColumnsAndExtremes() throws {
        let rows: [[ColumnValue]] = [
            [.int64(.max), .float64(-0.0), .bool(true), .string(""), .date(.max), .timestamp(.max)],
            [.int64(.min), .float64(.nan), .bool(false), .string("😀"), .date(.min), .timestamp(.min)],
            [.null, .null, .null, .null, .null, .null],
        ]
        let (_, read, _) = try roundTrip(everyTypeSchema, rows, rowsPerBatch: 2)
        #expect(read == rows)
    }

    @Test func unicodeColumnNamesAndStrings() throws {
        let schema = TableSchema([("naïve ✓", .string), ("日本", .int64)])
        let rows: [[ColumnValue]] = RandomTables.stringPool.enumerated().map { [.string($1), .int64(Int64($0))] }
        let (readSchema, read, _) = try roundTrip(schema, rows, rowsPerBatch: 4)
        #expect(readSchema == schema && read == rows)
    }

    @Test func randomSchemasRoundTrip() throws {
        for seed in UInt64(10)..<UInt64(40) {
            var generator = SeededGenerator(seed: seed)
            let schema = RandomTables.schema(using: &generator)
            let rows = RandomTables.rows(schema, count: Int.random(in: 0...700, using: &generator), using: &generator)
            let (readSchema, read, _) = try roundTrip(schema, rows, rowsPerBatch: Int.random(in: 1...300, using: &generator))
            #expect(readSchema == schema && read == rows, "seed \(seed)")
        }
    }

    @Test func writerRefusesMismatchedRowsAndBatches() throws {
        var builder = RecordBatchBuilder(schema: everyTypeSchema)
        #expect(throws: ColumnarUsageError.self) { try builder.append(row: [.int64(1)]) }
        #expect(throws: ColumnTypeMismatch.self) {
            try builder.append(row: [.string("x"), .null, .null, .null, .null, .null])
        }
        #expect(builder.rowCount == 0)
        let other = try RecordBatch(schema: TableSchema([("x", .int64)]), rows: [[.int64(1)]])
        let writer = try ArrowWriter(sink: InMemoryByteSink(), schema: everyTypeSchema)
        #expect(throws: ColumnarUsageError.self) { try writer.write(other) }
        #expect(throws: ColumnarUsageError.self) {
            _ = try ArrowWriter(sink: InMemoryByteSink(), schema: TableSchema([("a", .int64), ("a", .bool)]))
        }
    }

    @Test func ingestThenCatCSVReingestsToIdenticalBytes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        var generator = SeededGenerator(seed: 99)
        let rows = RandomTables.rows(everyTypeSchema, count: 2500, using: &generator)
        let first = directory.file("first.arrow")
        try ArrowFile.withTableWriter(to: first, schema: everyTypeSchema, rowsPerBatch: 1000) { writer in
            for row in rows { try writer.append(row: row) }
        }
        for format in [CatFormat.csv, .json] {
            let printed = StringOutput()
            try TablePrinter.print(path: first, options: CatOptions(format: format), to: printed)
            let text = try directory.write(printed.text, to: "printed.\(format == .csv ? "csv" : "jsonl")")
            let second = directory.file("second-\(format).arrow")
            try TableIngest.ingest(from: text, schema: everyTypeSchema, to: second, rowsPerBatch: 1000)
            let same = try Data(contentsOf: URL(fileURLWithPath: first)) == Data(contentsOf: URL(fileURLWithPath: second))
            #expect(same, "\(format) round trip changed the file")
        }
    }

    @Test func readBatchesStreamsAFileInBatches() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try directory.write("{\"x\": 1}\n{\"x\": null}\n{\"x\": 3}\n", to: "rows.jsonl")
        var sizes: [Int] = []
        var values: [[ColumnValue]] = []
        try TableIngest.readBatches(from: path, schema: TableSchema([("x", .int64)]), rowsPerBatch: 2) { batch in
            sizes.append(batch.rowCount)
            values += batch.rows
        }
        #expect(sizes == [2, 1])
        #expect(values == [[.int64(1)], [.null], [.int64(3)]])
    }
}
