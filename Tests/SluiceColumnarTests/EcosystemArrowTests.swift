import Foundation
@testable import SluiceColumnar
import SluiceTestSupport
import Testing

/// Arrow files as pyarrow, pandas and polars write them (compressed, with
/// dictionaries, large and view strings, narrow ints, zoned timestamps),
/// printed by the real `sluice cat --format json` and compared cell by cell
/// with what pyarrow reads from the same file. Missing python, pandas or
/// polars fails these tests; it never skips them.
@Suite(.serialized)
struct EcosystemArrowTests {
    static let writers = [
        "pyarrow_file_plain", "pyarrow_file_lz4", "pyarrow_file_zstd", "pyarrow_stream_deltas",
        "pandas_feather_default", "pandas_feather_uncompressed",
        "polars_ipc_default", "polars_ipc_oldest", "polars_ipc_zstd", "polars_stream_lz4",
    ]

    @Test(arguments: writers)
    func readsWhatTheEcosystemWrites(writer: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("\(writer).arrow")
        let written = try runPython(Self.script, ["write", writer, path])
        try #require(written.status == 0, "\(writer) failed to write: \(written.stderr)")
        let binary = try #require(PackagePaths.sluiceBinary, "the sluice binary was not built beside the tests")
        let rows = try runProcess(binary, ["cat", path, "--format", "json"])
        #expect(rows.status == 0, "sluice cat: \(rows.stderr)")
        let schema = try runProcess(binary, ["cat", path, "--format", "json", "--schema"])
        #expect(schema.status == 0, "sluice cat --schema: \(schema.stderr)")
        let rowsFile = try directory.write(rows.stdout, to: "rows.jsonl")
        let schemaFile = try directory.write(schema.stdout, to: "schema.json")
        let check = try runPython(Self.script, ["check", path, rowsFile, schemaFile])
        #expect(check.status == 0, "\(writer): \(check.stdout)\(check.stderr)")
        // polars writes a stream as one batch; every other writer here writes three.
        let batches = writer == "polars_stream_lz4" ? 1 : 3
        #expect(check.stdout.hasPrefix("OK rows=7 batches=\(batches) "), "\(writer): \(check.stdout)")
    }

    /// What Sluice cannot hold is refused by name: the column, its Arrow type
    /// and, for a value that does not fit, the row.
    @Test(arguments: [
        ("uint64_too_big", #"column "big" (uint64) row 2 holds 18446744073709551615, beyond int64"#),
        ("decimal", #"column "price" has an Arrow type Sluice does not read (decimal)"#),
        ("list", #"column "tags" has an Arrow type Sluice does not read (list)"#),
        ("struct", #"column "point" has an Arrow type Sluice does not read (struct)"#),
        ("ns_precision", #"column "at" (timestamp[ns, Europe/Paris]) row 3 holds 1700000000123456789 ns"#),
        ("date64_time_of_day", #"column "day" (date64) row 1 holds 1000 ms, not a whole day"#),
        ("null_type", #"column "nothing" has an Arrow type Sluice does not read (null)"#),
    ])
    func refusalsNameColumnTypeAndRow(writer: String, message: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("\(writer).arrow")
        let written = try runPython(Self.script, ["write", writer, path])
        try #require(written.status == 0, "\(writer) failed to write: \(written.stderr)")
        let binary = try #require(PackagePaths.sluiceBinary, "the sluice binary was not built beside the tests")
        let result = try runProcess(binary, ["cat", path, "--format", "json"])
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(writer): \(result.stderr)")
    }

    /// Damaged compressed bodies, dictionary batches and views are errors,
    /// never a trap: random byte flips in the fuzz seeds (files as pyarrow,
    /// pandas and polars write them), each read to the last cell.
    @Test func flippedBytesInEcosystemFilesNeverCrash() throws {
        let seeds = PackagePaths.root + "/Tests/SluiceCLITests/Fixtures/fuzz/arrow"
        let names = try FileManager.default.contentsOfDirectory(atPath: seeds).filter { $0.contains(".arrow") }.sorted()
        #expect(names.count >= 8, "the arrow seeds have gone missing")
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        var generator = SeededGenerator(seed: 20)
        var errors = 0
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: seeds + "/" + name)))
            _ = try readRows(seeds + "/" + name)  // the seed itself reads
            for _ in 0..<300 {
                var damaged = bytes
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    damaged[Int.random(in: 0..<damaged.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                let path = directory.file("damaged.arrow")
                try Data(damaged).write(to: URL(fileURLWithPath: path))
                do { _ = try readRows(path) } catch is ArrowFormatError { errors += 1 }
            }
        }
        #expect(errors > 0, "no flip was noticed: the test reads nothing")
    }

    /// Writes the test files, and checks `sluice cat` output against pyarrow.
    static let script = #"""
        import sys, json, math, datetime as dt
        import pyarrow as pa, pyarrow.ipc as ipc, pyarrow.compute as pc

        def every_type_table():
            s = ["a", None, "", "héllo ✓ 😀", "two\nlines", "a string longer than twelve bytes", "tab\t"]
            ints = [1, None, -128, 127, 0, 5, -1]
            cols = {
                "i8": pa.array(ints, pa.int8()),
                "i16": pa.array([1, None, -32768, 32767, 0, 5, -1], pa.int16()),
                "i32": pa.array([1, None, -2**31, 2**31 - 1, 0, 5, -1], pa.int32()),
                "i64": pa.array([1, None, -2**63, 2**63 - 1, 0, 5, -1], pa.int64()),
                "u8": pa.array([1, None, 255, 0, 0, 5, 7], pa.uint8()),
                "u16": pa.array([1, None, 65535, 0, 0, 5, 7], pa.uint16()),
                "u32": pa.array([1, None, 2**32 - 1, 0, 0, 5, 7], pa.uint32()),
                "u64": pa.array([1, None, 2**63 - 1, 0, 0, 5, 7], pa.uint64()),
                "f16": pa.array(__import__("numpy").array([1.5, 0, -0.0, float("inf"), float("nan"), 65504, 0.1], dtype="float16"),
                                pa.float16(), mask=__import__("numpy").array([False, True] + [False] * 5)),
                "f32": pa.array([1.5, None, 3.4e38, float("-inf"), float("nan"), 1e-45, 0.1], pa.float32()),
                "f64": pa.array([1.5, None, -0.0, float("inf"), float("nan"), float.fromhex("0x1p-1074"), 0.1], pa.float64()),
                "ok": pa.array([True, None, False, True, False, None, True], pa.bool_()),
                "s": pa.array(s, pa.string()),
                "ls": pa.array(s, pa.large_string()),
                "vs": pa.array(s, pa.string_view()),
                "bin": pa.array([None if v is None else v.encode() for v in s], pa.binary()),
                "lbin": pa.array([None if v is None else v.encode() for v in s], pa.large_binary()),
                "cat": pa.array(["red", None, "green", "red", "blue ✓", "green", "red"]).dictionary_encode(),
                "d32": pa.array([dt.date(1970, 1, 1), None, dt.date(1969, 12, 31), dt.date(2024, 2, 29), dt.date(1, 1, 1),
                                 dt.date(9999, 12, 31), dt.date(2000, 1, 1)], pa.date32()),
                "d64": pa.array([dt.date(1970, 1, 1), None, dt.date(1969, 12, 31), dt.date(2024, 2, 29), dt.date(1, 1, 1),
                                 dt.date(9999, 12, 31), dt.date(2000, 1, 1)], pa.date64()),
                "ts_s": pa.array([0, None, -1, 1706693400, 253402300799, -62135596800, 86400], pa.timestamp("s")),
                "ts_ms": pa.array([0, None, -1, 1706693400123, 1, -1000, 999], pa.timestamp("ms", tz="Europe/Paris")),
                "ts_us": pa.array([0, None, -1, 1706693400123456, 1, -999999, 999999], pa.timestamp("us", tz="+05:30")),
                "ts_ns": pa.array([0, None, -1000, 1706693400123456000, 1000, -9223372036854775000, 0], pa.timestamp("ns", tz="UTC")),
            }
            return pa.table(cols)

        def three_batches(table):
            table = table.combine_chunks()
            return [table.slice(0, 3).to_batches()[0], table.slice(3, 2).to_batches()[0], table.slice(5).to_batches()[0]]

        def write_ipc(path, table, stream, compression=None, deltas=False):
            options = ipc.IpcWriteOptions(compression=compression, emit_dictionary_deltas=deltas)
            with open(path, "wb") as sink:
                writer = (ipc.new_stream if stream else ipc.new_file)(sink, table.schema, options=options)
                if deltas:
                    # Each batch's dictionary extends the previous one: deltas in the stream.
                    words = ["red", "green", "blue ✓"]
                    for i, batch in enumerate(three_batches(table)):
                        cat = pa.DictionaryArray.from_arrays(pa.array([j % (i + 1) for j in range(batch.num_rows)], pa.int32()),
                                                             pa.array(words[: i + 1]))
                        batch = batch.set_column(batch.schema.get_field_index("cat"), "cat", cat)
                        writer.write_batch(batch)
                else:
                    for batch in three_batches(table):
                        writer.write_batch(batch)
                writer.close()

        def pandas_frame():
            import pandas as pd, numpy as np
            df = pd.DataFrame({
                "n": pd.array([1, None, -5, 2**62, 0, 7, 8], dtype="Int64"),
                "i32": pd.array([1, None, -5, 2**31 - 1, 0, 7, 8], dtype="Int32"),
                "u8": pd.array([1, None, 255, 0, 0, 7, 8], dtype="UInt8"),
                "plain_int": np.array([1, 2, 3, 4, 5, 6, 7], dtype="int64"),
                "x": np.array([1.5, np.nan, 3.4e38, -np.inf, 0.0, 1e-45, 0.1], dtype="float32"),
                "y": [1.5, None, -0.0, float("inf"), 2.0, float.fromhex("0x1p-1074"), 0.1],
                "name": ["a", None, "", "héllo ✓ 😀", "two\nlines", "a string longer than twelve bytes", "tab\t"],
                "cat": pd.Categorical(["red", None, "green", "red", "blue ✓", "green", "red"]),
                "ok": pd.array([True, None, False, True, False, None, True], dtype="boolean"),
                "day": [dt.date(1970, 1, 1), None, dt.date(1969, 12, 31), dt.date(2024, 2, 29), dt.date(1, 1, 1),
                        dt.date(9999, 12, 31), dt.date(2000, 1, 1)],
                "naive": pd.to_datetime(["1970-01-01", None, "2024-01-31 09:30:00.123456", "1999-12-31 23:59:59",
                                         "2000-01-01", "2262-04-11", "1677-09-22"], format="ISO8601"),
                "paris": pd.to_datetime(["1970-01-01", None, "2024-01-31 09:30:00.123456", "2024-07-01 12:00",
                                         "2000-01-01", "2024-03-31 03:00", "2024-10-27 02:30"], format="ISO8601").tz_localize("Europe/Paris", ambiguous=True),
            })
            return df

        def polars_frame():
            import polars as pl
            s = ["a", None, "", "héllo ✓ 😀", "two\nlines", "a string longer than twelve bytes", "tab\t"]
            df = pl.DataFrame({
                "i8": pl.Series([1, None, -128, 127, 0, 5, -1], dtype=pl.Int8),
                "i16": pl.Series([1, None, -32768, 32767, 0, 5, -1], dtype=pl.Int16),
                "i32": pl.Series([1, None, -2**31, 2**31 - 1, 0, 5, -1], dtype=pl.Int32),
                "i64": pl.Series([1, None, -2**63, 2**63 - 1, 0, 5, -1], dtype=pl.Int64),
                "u8": pl.Series([1, None, 255, 0, 0, 5, 7], dtype=pl.UInt8),
                "u16": pl.Series([1, None, 65535, 0, 0, 5, 7], dtype=pl.UInt16),
                "u32": pl.Series([1, None, 2**32 - 1, 0, 0, 5, 7], dtype=pl.UInt32),
                "u64": pl.Series([1, None, 2**63 - 1, 0, 0, 5, 7], dtype=pl.UInt64),
                "f32": pl.Series([1.5, None, 3.4e38, float("-inf"), float("nan"), 1e-45, 0.1], dtype=pl.Float32),
                "f64": pl.Series([1.5, None, -0.0, float("inf"), float("nan"), float.fromhex("0x1p-1074"), 0.1], dtype=pl.Float64),
                "ok": pl.Series([True, None, False, True, False, None, True], dtype=pl.Boolean),
                "s": pl.Series(s, dtype=pl.String),
                "bin": pl.Series([None if v is None else v.encode() for v in s], dtype=pl.Binary),
                "cat": pl.Series(["red", None, "green", "red", "blue ✓", "green", "red"], dtype=pl.Categorical),
                "day": pl.Series([dt.date(1970, 1, 1), None, dt.date(1969, 12, 31), dt.date(2024, 2, 29), dt.date(1, 1, 1),
                                  dt.date(9999, 12, 31), dt.date(2000, 1, 1)], dtype=pl.Date),
                "ts_ns_paris": pl.Series([0, None, -1000, 1706693400123456000, 1000, 0, 5000], dtype=pl.Int64)
                                 .cast(pl.Datetime("ns", "Europe/Paris")),
                "ts_us": pl.Series([0, None, -1, 1706693400123456, 1, -999999, 999999], dtype=pl.Int64).cast(pl.Datetime("us")),
                "ts_ms_utc": pl.Series([0, None, -1, 1706693400123, 1, -1000, 999], dtype=pl.Int64).cast(pl.Datetime("ms", "UTC")),
            })
            return pl.concat([df[0:3], df[3:5], df[5:7]], rechunk=False)

        def write(kind, path):
            if kind == "pyarrow_file_plain": write_ipc(path, every_type_table(), stream=False)
            elif kind == "pyarrow_file_lz4": write_ipc(path, every_type_table(), stream=False, compression="lz4")
            elif kind == "pyarrow_file_zstd": write_ipc(path, every_type_table(), stream=False, compression="zstd")
            elif kind == "pyarrow_stream_deltas": write_ipc(path, every_type_table(), stream=True, compression="zstd", deltas=True)
            elif kind == "pandas_feather_default": pandas_frame().to_feather(path, chunksize=3)
            elif kind == "pandas_feather_uncompressed": pandas_frame().to_feather(path, chunksize=3, compression="uncompressed")
            elif kind == "polars_ipc_default": polars_frame().write_ipc(path, record_batch_size=3)
            elif kind == "polars_ipc_oldest":
                import polars as pl
                polars_frame().write_ipc(path, compat_level=pl.CompatLevel.oldest(), record_batch_size=3)
            elif kind == "polars_ipc_zstd": polars_frame().write_ipc(path, compression="zstd", record_batch_size=3)
            elif kind == "polars_stream_lz4": polars_frame().write_ipc_stream(path, compression="lz4")
            else: write_refusal(kind, path)

        def write_refusal(kind, path):
            import pyarrow.feather as feather
            if kind == "uint64_too_big": t = pa.table({"big": pa.array([1, 2**64 - 1], pa.uint64())})
            elif kind == "decimal":
                import decimal
                t = pa.table({"price": pa.array([decimal.Decimal("1.25")], pa.decimal128(10, 2))})
            elif kind == "list": t = pa.table({"tags": pa.array([["a"], []], pa.list_(pa.string()))})
            elif kind == "struct": t = pa.table({"point": pa.array([{"x": 1}], pa.struct([("x", pa.int64())]))})
            elif kind == "ns_precision":
                t = pa.table({"at": pa.array([0, 1000, 1700000000123456789], pa.timestamp("ns", tz="Europe/Paris"))})
            elif kind == "date64_time_of_day": t = pa.table({"day": pa.array([1000], pa.date64())})
            elif kind == "null_type": t = pa.table({"nothing": pa.array([None, None])})
            else: raise SystemExit(f"unknown writer {kind}")
            feather.write_feather(t, path)

        def open_any(path):
            try:
                return ipc.open_file(path).read_all(), ipc.open_file(path).num_record_batches
            except pa.ArrowInvalid:
                reader = ipc.open_stream(path)
                batches = list(reader)
                return pa.Table.from_batches(batches, reader.schema), len(batches)

        def sluice_type(t):
            if pa.types.is_dictionary(t): return sluice_type(t.value_type)
            if pa.types.is_integer(t): return "int64"
            if pa.types.is_floating(t): return "float64"
            if pa.types.is_boolean(t): return "bool"
            if pa.types.is_date(t): return "date"
            if pa.types.is_timestamp(t): return "timestamp"
            return "string"

        EPOCH = dt.datetime(1970, 1, 1)
        PER_US = {"s": 1_000_000, "ms": 1000, "us": 1}

        def expected_cells(column):
            t = column.type
            if pa.types.is_dictionary(t):
                # Decoded by hand: pyarrow has no take kernel for string_view values.
                values = []
                for chunk in column.chunks:
                    words = chunk.dictionary.to_pylist()
                    values += [None if i is None else words[i] for i in chunk.indices.to_pylist()]
                t = pa.large_string() if pa.types.is_string_view(t.value_type) else t.value_type
                column = pa.chunked_array([pa.array(values, t)])
            if pa.types.is_timestamp(t):
                raw = pc.cast(column, pa.int64()).to_pylist()
                out = []
                for v in raw:
                    if v is None: out.append(None); continue
                    us = v // 1000 if t.unit == "ns" else v * PER_US[t.unit]
                    stamp = EPOCH + dt.timedelta(microseconds=us)
                    text = f"{stamp.year:04d}-" + stamp.strftime("%m-%dT%H:%M:%S")
                    out.append(text + (f".{stamp.microsecond:06d}" if stamp.microsecond else "") + "Z")
                return out
            values = column.to_pylist()
            if pa.types.is_date(t): return [None if v is None else v.isoformat() for v in values]
            if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
                return [None if v is None else v.decode() for v in values]
            if pa.types.is_floating(t):
                def word(v):
                    if v is None: return None
                    v = float(v)
                    if math.isnan(v): return "NaN"
                    if math.isinf(v): return "inf" if v > 0 else "-inf"
                    return v
                return [word(v) for v in values]
            return values

        def check(path, rows_file, schema_file):
            table, batches = open_any(path)
            declared = json.load(open(schema_file, encoding="utf-8"))
            columns = declared["columns"] if isinstance(declared, dict) else declared
            got_types = [(c["name"], c["type"]) for c in columns]
            want_types = [(f.name, sluice_type(f.type)) for f in table.schema]
            if got_types != want_types: raise SystemExit(f"types differ:\n sluice  {got_types}\n pyarrow {want_types}")
            rows = [json.loads(line) for line in open(rows_file, encoding="utf-8") if line.strip()]
            if len(rows) != table.num_rows: raise SystemExit(f"sluice printed {len(rows)} rows, pyarrow reads {table.num_rows}")
            for name in table.column_names:
                want = expected_cells(table.column(name))
                got = [row[name] for row in rows]
                for i, (g, w) in enumerate(zip(got, want)):
                    if g != w and not (isinstance(w, float) and isinstance(g, (int, float)) and float(g) == w):
                        raise SystemExit(f"column {name} row {i + 1}: sluice {g!r}, pyarrow {w!r} ({table.schema.field(name).type})")
            kinds = sorted({str(f.type) for f in table.schema})
            print(f"OK rows={table.num_rows} batches={batches} types={kinds}")

        if sys.argv[1] == "write": write(sys.argv[2], sys.argv[3])
        else: check(*sys.argv[2:5])
        """#
}
