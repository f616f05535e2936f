import Foundation
import Testing

/// Issue 20: a staged table may be CSV, JSON lines or Arrow IPC (file or
/// stream), told apart by content; Parquet is refused in one line; `sluice
/// cat` reads the same formats.

private let fixtures = CLI.packageRoot.appendingPathComponent("Tests/SluiceCLITests/Fixtures/tables").path

private func tableSpec(_ run: String, columns: String = "i: int64, f: float64, b: bool, s: string, d: date, t: timestamp") -> String {
    """
    pipeline: tables
    tasks:
      make:
        run: |
          \(run)
        outputs:
          t: "table(\(columns))"

    """
}

/// The output table's path as the run recorded it.
private func outputTable(_ workspace: RunWorkspace) throws -> String {
    let shown = try workspace.show()
    return try #require(shown.outputs("make")["t"] as? String)
}

/// The library writers of the acceptance list (issue 20): each writes the same table as that library does by default or when asked.
enum RoundTripCase: String, CaseIterable, CustomStringConvertible {
    case pandasFeatherDefault = "pandas_feather_default"
    case pandasUncompressed = "pandas_uncompressed"
    case polarsDefault = "polars_default"
    case polarsOldest = "polars_oldest"
    case pyarrowLZ4 = "pyarrow_lz4"
    case pyarrowZstd = "pyarrow_zstd"
    case pyarrowStream = "pyarrow_stream"
    case pyarrowFile = "pyarrow_file"

    var description: String { rawValue }
}

@Test(arguments: RoundTripCase.allCases)
func aTableWrittenByALibraryRoundTripsThroughATask(_ writer: RoundTripCase) throws {
    let python = try CLI.python().path
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("tables.yaml", tableSpec("'\(python)' '\(fixtures)/roundtrip.py' write \(writer.rawValue) \"$SLUICE_TABLE_T\""))
    let run = try workspace.run("tables.yaml")
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    guard run.status == 0 else { return }
    let compared = try CLI.execute(URL(fileURLWithPath: python), ["\(fixtures)/roundtrip.py", "check", try outputTable(workspace)], cwd: workspace.url)
    #expect(compared.status == 0 && compared.stdout == "equal\n", "\(compared.stdout)\(compared.stderr)")
}

@Test func anArrowTableIsCheckedByNameAndStoredInTheDeclaredOrder() throws {
    let python = try CLI.python().path
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    let script = """
        import pyarrow as pa, pyarrow.ipc, os
        t = pa.table({"name": ["ünï", None, "c"], "id": pa.array([3, 2, None], pa.int64())})
        with pa.OSFile(os.environ["SLUICE_TABLE_T"], "wb") as f, pa.ipc.new_stream(f, t.schema) as w:
            for b in t.to_batches(max_chunksize=1): w.write_batch(b)
        """
    try workspace.write("w.py", script)
    try workspace.write("tables.yaml", tableSpec("'\(python)' w.py", columns: "id: int64, name: string"))
    let run = try workspace.run("tables.yaml")
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    let cat = try CLI.run(["cat", try outputTable(workspace), "--format", "csv"])
    #expect(cat.stdout == "id,name\n3,ünï\n2,\n,c\n", "\(cat.stdout)\(cat.stderr)")
    let schema = try CLI.execute(URL(fileURLWithPath: python), ["-c", """
        import pyarrow as pa, sys
        r = pa.ipc.open_file(sys.argv[1])
        print(r.schema.names, r.num_record_batches)
        """, try outputTable(workspace)], cwd: workspace.url)
    #expect(schema.stdout == "['id', 'name'] 3\n", "the canonical file, batch by batch: \(schema.stdout)\(schema.stderr)")
}

@Test func anArrowColumnOfTheWrongTypeOrNameIsNamed() throws {
    let python = try CLI.python().path
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("w.py", """
        import pyarrow as pa, pyarrow.feather, os, sys
        t = pa.table({"id": ["1"], "extra": [1]}) if sys.argv[1] == "extra" else pa.table({"id": ["1"]})
        pyarrow.feather.write_feather(t, os.environ["SLUICE_TABLE_T"], compression="uncompressed")
        """)
    try workspace.write("tables.yaml", tableSpec("'\(python)' w.py type", columns: "id: int64"))
    let wrongType = try workspace.run("tables.yaml")
    #expect(wrongType.status != 0)
    #expect(wrongType.stdout.contains(#"table output "t": $SLUICE_TABLE_T: column "id": the Arrow file holds string (utf8), but the table declares int64"#),
            "\(wrongType.stdout)\(wrongType.stderr)")
    try workspace.write("tables.yaml", tableSpec("'\(python)' w.py extra", columns: "id: string"))
    let extra = try workspace.run("tables.yaml")
    #expect(extra.status != 0)
    #expect(extra.stdout.contains(#"$SLUICE_TABLE_T: unexpected column "extra" (the table declares "id")"#), "\(extra.stdout)\(extra.stderr)")
}

@Test func aParquetTableIsRefusedInOneLineThatSaysWhatToDo() throws {
    let python = try CLI.python().path
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("w.py", """
        import pyarrow as pa, pyarrow.parquet as pq, os, sys
        pq.write_table(pa.table({"id": [1]}), sys.argv[1])
        """)
    try workspace.write("tables.yaml", tableSpec("'\(python)' w.py \"$SLUICE_TABLE_T\"", columns: "id: int64"))
    let run = try workspace.run("tables.yaml")
    #expect(run.status != 0)
    let refusal = #""$SLUICE_TABLE_T" is a Parquet file, which Sluice does not read; write Arrow IPC instead (pandas df.to_feather(path), polars df.write_ipc(path), pyarrow.feather.write_feather) or CSV"#
    #expect(run.stdout.contains("table output \"t\": " + refusal), "\(run.stdout)\(run.stderr)")
    #expect(!run.stdout.contains("PAR1"), "not dumped as a CSV header: \(run.stdout)")

    _ = try CLI.execute(URL(fileURLWithPath: python), ["w.py", "t.parquet"], cwd: workspace.url)
    let cat = try CLI.run(["cat", "t.parquet"], cwd: workspace.url)
    #expect(cat.status == 2)
    #expect(cat.stderr == "error: " + refusal.replacingOccurrences(of: "$SLUICE_TABLE_T", with: "t.parquet") + "\n", "\(cat.stderr)")
}

@Test func catPrintsCSVAsStringsAndJSONLinesWithTheFirstObjectsTypes() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    // Named .txt on purpose: the content decides (a file named .arrow is always read as Arrow).
    try workspace.write("t.txt", "id,name\n1,ünï\n,\"\"\n")
    let csv = try CLI.run(["cat", "t.txt", "--format", "json"], cwd: workspace.url)
    #expect(csv.status == 0, "\(csv.stderr)")
    #expect(csv.stdout == "{\"id\":\"1\",\"name\":\"ünï\"}\n{\"id\":null,\"name\":\"\"}\n", "\(csv.stdout)")
    try workspace.write("t.jsonl", "\n{\"n\": 1, \"x\": 1.5, \"ok\": true, \"s\": \"a\"}\n{\"n\": null, \"x\": 2, \"ok\": false, \"s\": null}\n")
    let schema = try CLI.run(["cat", "t.jsonl", "--schema"], cwd: workspace.url)
    #expect(schema.stdout == "table(n: int64, x: float64, ok: bool, s: string)\n", "\(schema.stdout)\(schema.stderr)")
    let rows = try CLI.run(["cat", "t.jsonl", "--format", "csv"], cwd: workspace.url)
    #expect(rows.stdout == "n,x,ok,s\n1,1.5,true,a\n,2.0,false,\n", "\(rows.stdout)\(rows.stderr)")
    try workspace.write("bad.jsonl", "{\"n\": 1}\n{\"n\": \"x\"}\n")
    let bad = try CLI.run(["cat", "bad.jsonl"], cwd: workspace.url)
    #expect(bad.status == 2)
    #expect(bad.stderr.contains(#"bad.jsonl:2: row 2, column "n": expected int64, found "x""#), "\(bad.stderr)")
}

@Test func aMappedTaskSeesItsItemAsJSONInSluiceItem() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("items.yaml", """
        pipeline: items
        params:
          xs: [{"a": "ü b"}, 2]
        tasks:
          each:
            foreach: params.xs
            run: printf '%s\\n' "$SLUICE_ITEM" >> items.log
          plain:
            run: printf '[%s]\\n' "${SLUICE_ITEM-unset}" >> plain.log

        """)
    let run = try workspace.run("items.yaml")
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    #expect(Set((workspace.read("items.log") ?? "").split(separator: "\n")) == [#"{"a":"ü b"}"#, "2"])
    #expect(workspace.read("plain.log") == "[unset]\n")
}

/// The examples list `scripts/sluice_task`, a symlink to the package's source directory, in `deps`.
@Test func aDepThatLinksToADirectoryChangesTheKeyWhenAFileInItChanges() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try FileManager.default.createDirectory(atPath: workspace.path + "/lib", withIntermediateDirectories: true)
    try workspace.write("lib/a.py", "1\n")
    try FileManager.default.createSymbolicLink(atPath: workspace.path + "/linked", withDestinationPath: "lib")
    try workspace.write("deps.yaml", """
        pipeline: deps
        tasks:
          use:
            run: echo ran >> ran.log
            deps: [linked]

        """)
    #expect(try workspace.run("deps.yaml").status == 0)
    try workspace.write("lib/a.py", "22\n")
    let again = try workspace.run("deps.yaml")
    #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
    #expect(workspace.read("ran.log") == "ran\nran\n", "a change inside the linked directory is a cache miss: \(again.stdout)")
}

@Test func aStagedArrowTableThatIsASymlinkIsRefused() throws {
    let python = try CLI.python().path
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("w.py", """
        import pyarrow as pa, pyarrow.feather, os
        pyarrow.feather.write_feather(pa.table({"id": [1]}), "elsewhere.arrow", compression="uncompressed")
        os.symlink(os.path.abspath("elsewhere.arrow"), os.environ["SLUICE_TABLE_T"])
        """)
    try workspace.write("tables.yaml", tableSpec("'\(python)' w.py", columns: "id: int64"))
    let run = try workspace.run("tables.yaml")
    #expect(run.status != 0)
    #expect(run.stdout.contains("is a symbolic link (not followed: write the file itself)"), "\(run.stdout)\(run.stderr)")
}
