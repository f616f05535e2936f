import Foundation
@testable import SluiceColumnar
import SluiceTestSupport
import Testing

/// Cross-checks with an independent implementation: files we write are
/// verified by pyarrow (full validation, every cell compared: with
/// ../shared/arrow/verify_arrow.py when it is beside the package, else with
/// the project's scripts/verify-arrow), and files pyarrow writes are read by
/// our reader. Missing
/// python or pyarrow fails these tests; it never skips them.
@Suite(.serialized)
struct PyArrowInteropTests {
    private func verify(_ path: String, schema: TableSchema, rows: [[ColumnValue]], directory: TemporaryDirectory,
                        stream: Bool = false) throws {
        let expected = try directory.write(RandomTables.expectedJSONLines(schema, rows), to: "expected.jsonl")
        var arguments = [PackagePaths.verifier, path, "--schema", RandomTables.verifierSchema(schema), "--expected", expected]
        if stream { arguments.append("--stream") }
        let python = PackagePaths.python
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("python with pyarrow not found at \(python); set SLUICE_PYTHON or create .venv")
            return
        }
        let result = try runProcess(python, arguments)
        #expect(result.status == 0, "verify_arrow.py: \(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasPrefix("OK rows=\(rows.count) cols=\(schema.columns.count)"), "\(result.stdout)")
    }

    private func write(_ schema: TableSchema, _ rows: [[ColumnValue]], to path: String, rowsPerBatch: Int,
                       format: ArrowWriter.Format = .file) throws {
        try ArrowFile.withTableWriter(to: path, schema: schema, rowsPerBatch: rowsPerBatch, format: format) { writer in
            for row in rows { try writer.append(row: row) }
        }
    }

    @Test func pyarrowIsAvailable() throws {
        let result = try runPython("import pyarrow; print(pyarrow.__version__)")
        #expect(result.status == 0, "pyarrow cannot be imported by \(PackagePaths.python): \(result.stderr)")
    }

    @Test(arguments: [0, 1, 3, 70_000, 200_000])
    func randomTablesVerifyWithPyArrow(rowCount: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        var generator = SeededGenerator(seed: UInt64(rowCount) &+ 7)
        let schema = rowCount >= 70_000 ? everyTypeSchema : RandomTables.schema(using: &generator)
        let rows = RandomTables.rows(schema, count: rowCount, using: &generator)
        let path = directory.file("random.arrow")
        try write(schema, rows, to: path, rowsPerBatch: rowCount >= 70_000 ? ArrowFile.defaultRowsPerBatch : 2)
        try verify(path, schema: schema, rows: rows, directory: directory)
    }

    @Test func streamFormatVerifiesWithPyArrow() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        var generator = SeededGenerator(seed: 5)
        let rows = RandomTables.rows(everyTypeSchema, count: 500, using: &generator)
        let path = directory.file("random.arrows")
        try write(everyTypeSchema, rows, to: path, rowsPerBatch: 128, format: .stream)
        try verify(path, schema: everyTypeSchema, rows: rows, directory: directory, stream: true)
    }

    @Test func ingestedCSVVerifiesAgainstTheCSVItself() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let csv = try directory.write(#"""
            id,price,ok,name,day,at
            1,1.5,true,"a,""b""",2024-01-31,2024-01-31T09:30:00Z
            ,-0.0,0,"",1969-12-31,2024-01-31T10:30:00.25+01:00
            3,,,,,
            """#, to: "in.csv")
        let output = directory.file("out.arrow")
        try TableIngest.ingest(from: csv, schema: everyTypeSchema, to: output)
        let result = try runProcess(PackagePaths.python, [PackagePaths.verifier, output, "--schema",
                                                          RandomTables.verifierSchema(everyTypeSchema), "--expected", csv])
        #expect(result.status == 0 && result.stdout.hasPrefix("OK rows=3"), "\(result.stdout)\(result.stderr)")
    }

    @Test(arguments: ["file", "stream", "feather"])
    func filesWrittenByPyArrowAreReadExactly(layout: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("py.arrow")
        let result = try runPython(Self.pyarrowWriter, [path, layout])
        try #require(result.status == 0, "pyarrow failed to write: \(result.stderr)")
        let (schema, rows, batches) = try readRows(path)
        #expect(schema == everyTypeSchema)
        #expect(batches == (layout == "feather" ? 1 : 2))
        #expect(rows == Self.pyarrowRows)
    }

    /// These were refused before the reader learned compression, narrow ints
    /// and dictionaries (EcosystemArrowTests covers the whole range).
    @Test func compressedNarrowAndDictionaryPyArrowFilesRead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let cases: [(String, TableSchema, [[ColumnValue]])] = [
            ("lz4", TableSchema([("x", .int64)]), (0..<1000).map { [.int64(Int64($0))] }),
            ("int32", TableSchema([("n", .int64)]), [[.int64(1)], [.int64(2)]]),
            ("dictionary", TableSchema([("s", .string)]), [[.string("a")], [.string("b")], [.string("a")]]),
        ]
        for (kind, schema, expected) in cases {
            let path = directory.file("\(kind).arrow")
            let result = try runPython(Self.formerlyRefusedWriter, [path, kind])
            try #require(result.status == 0, "pyarrow failed to write: \(result.stderr)")
            let (readSchema, rows, _) = try readRows(path)
            #expect(readSchema == schema, "\(kind)")
            #expect(rows == expected, "\(kind)")
        }
    }

    /// What `pyarrowWriter` writes, in our terms.
    static let pyarrowRows: [[ColumnValue]] = [
        [.int64(1), .float64(1.5), .bool(true), .string("a"), .date(0), .timestamp(0)],
        [.null, .null, .null, .null, .null, .null],
        [.int64(-9_223_372_036_854_775_808), .float64(-0.0), .bool(false), .string(""), .date(-1), .timestamp(-1)],
        [.int64(4), .float64(.infinity), .bool(true), .string("héllo ✓ 😀"), .date(19753), .timestamp(1_706_693_400_123_456)],
        [.int64(5), .float64(.nan), .null, .string("two\nlines"), .null, .null],
    ]

    static let pyarrowWriter = """
        import sys, datetime as dt, pyarrow as pa, pyarrow.ipc as ipc, pyarrow.feather as feather
        path, layout = sys.argv[1], sys.argv[2]
        utc = dt.timezone.utc
        schema = pa.schema([("id", pa.int64()), ("price", pa.float64()), ("ok", pa.bool_()), ("name", pa.string()),
                            ("day", pa.date32()), ("at", pa.timestamp("us", tz="UTC"))])
        cols = [[1, None, -2**63, 4, 5], [1.5, None, -0.0, float("inf"), float("nan")], [True, None, False, True, None],
                ["a", None, "", "héllo ✓ 😀", "two\\nlines"],
                [dt.date(1970, 1, 1), None, dt.date(1969, 12, 31), dt.date(2024, 1, 31), None],
                [dt.datetime(1970, 1, 1, tzinfo=utc), None, dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=utc),
                 dt.datetime(2024, 1, 31, 9, 30, 0, 123456, tzinfo=utc), None]]
        table = pa.table([pa.array(c, type=f.type) for c, f in zip(cols, schema)], schema=schema)
        batches = [table.slice(0, 2).combine_chunks().to_batches()[0], table.slice(2).combine_chunks().to_batches()[0]]
        if layout == "feather":
            feather.write_feather(table, path, compression="uncompressed")
        else:
            with open(path, "wb") as sink:
                writer = (ipc.new_file if layout == "file" else ipc.new_stream)(sink, schema)
                for b in batches: writer.write_batch(b)
                writer.close()
        """

    static let formerlyRefusedWriter = """
        import sys, pyarrow as pa, pyarrow.ipc as ipc, pyarrow.feather as feather
        path, kind = sys.argv[1], sys.argv[2]
        if kind == "lz4":
            feather.write_feather(pa.table({"x": list(range(1000))}), path, compression="lz4")
        elif kind == "int32":
            feather.write_feather(pa.table({"n": pa.array([1, 2], pa.int32())}), path, compression="uncompressed")
        else:
            t = pa.table({"s": pa.array(["a", "b", "a"]).dictionary_encode()})
            with ipc.new_file(path, t.schema) as w: w.write_table(t)
        """
}
