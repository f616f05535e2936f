import Foundation
import Testing
@testable import SluiceColumnar

/// `sluice cat`: the printer in the library, and the real binary.
struct CatTests {
    private func sampleFile(_ directory: TemporaryDirectory) throws -> String {
        let csv = try directory.write("""
            id,price,ok,name,day,at
            1,1.5,true,plain,2024-01-31,2024-01-31T09:30:00Z
            -20,,false,"a, ""quoted""\nvalue",1969-12-31,2024-01-31T09:30:00.5Z
            ,NaN,,"",,
            """, to: "sample.csv")
        let path = directory.file("sample.arrow")
        try TableIngest.ingest(from: csv, schema: everyTypeSchema, to: path, rowsPerBatch: 2)
        return path
    }

    private func printed(_ path: String, _ options: CatOptions) throws -> String {
        let output = StringOutput()
        try TablePrinter.print(path: path, options: options, to: output)
        return output.text
    }

    @Test func csvFormat() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        #expect(try printed(sampleFile(directory), CatOptions(format: .csv)) == """
            id,price,ok,name,day,at
            1,1.5,true,plain,2024-01-31,2024-01-31T09:30:00Z
            -20,,false,"a, ""quoted""
            value",1969-12-31,2024-01-31T09:30:00.500000Z
            ,NaN,,"",,

            """)
    }

    @Test func jsonFormat() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        #expect(try printed(sampleFile(directory), CatOptions(format: .json)) == #"""
            {"id":1,"price":1.5,"ok":true,"name":"plain","day":"2024-01-31","at":"2024-01-31T09:30:00Z"}
            {"id":-20,"price":null,"ok":false,"name":"a, \"quoted\"\nvalue","day":"1969-12-31","at":"2024-01-31T09:30:00.500000Z"}
            {"id":null,"price":"NaN","ok":null,"name":"","day":null,"at":null}

            """#)
    }

    @Test func tableFormatAlignsAndCountsRows() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let text = try printed(sampleFile(directory), CatOptions(format: .table))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "id (int64)  price (float64)  ok (bool)  name (string)       day (date)  at (timestamp)")
        #expect(lines[2] == "         1              1.5  true       plain               2024-01-31  2024-01-31T09:30:00Z")
        #expect(lines[3].contains(#"a, "quoted"\nvalue"#))
        #expect(lines[4].hasPrefix("      null              NaN  null"))
        #expect(lines[5] == "(3 rows)")
    }

    @Test func headAndSchema() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try sampleFile(directory)
        #expect(try printed(path, CatOptions(format: .csv, head: 1)) == "id,price,ok,name,day,at\n1,1.5,true,plain,2024-01-31,2024-01-31T09:30:00Z\n")
        #expect(try printed(path, CatOptions(format: .table, head: 2)).hasSuffix("(first 2 of 3 rows)\n"))
        #expect(try printed(path, CatOptions(format: .table, head: 3)).hasSuffix("(3 rows)\n"))
        #expect(try printed(path, CatOptions(format: .csv, head: 0)) == "id,price,ok,name,day,at\n")
        #expect(try printed(path, CatOptions(format: .table, schemaOnly: true))
                == "table(id: int64, price: float64, ok: bool, name: string, day: date, at: timestamp)\n")
        #expect(try printed(path, CatOptions(format: .json, schemaOnly: true)).hasPrefix(#"{"columns":[{"name":"id","type":"int64"},"#))
    }

    @Test func longCellsAreShortenedInTables() {
        #expect(AlignedTableSink.fit(String(repeating: "x", count: 50), width: 10) == "xxxxxxxxx…")
        #expect(AlignedTableSink.fit("short", width: 10) == "short")
        #expect(AlignedTableSink.fit("日本語の文字", width: 6) == "日本…")
        #expect(AlignedTableSink.width("日本 ok 😀") == 10)
    }

    @Test func theBinaryPrintsAndFailsWithExitCode2() throws {
        let binary = try #require(PackagePaths.sluiceBinary, "the sluice binary was not built beside the tests")
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try sampleFile(directory)
        let csv = try runProcess(binary, ["cat", path, "--head", "1"])
        #expect(csv.status == 0)
        #expect(csv.stdout == "id,price,ok,name,day,at\n1,1.5,true,plain,2024-01-31,2024-01-31T09:30:00Z\n")
        let json = try runProcess(binary, ["cat", path, "--format", "json", "--head", "1"])
        #expect(json.stdout.hasPrefix(#"{"id":1,"#))

        let notArrow = try directory.write("hello, this is text and not arrow", to: "x.arrow")
        for bad in [notArrow, directory.file("missing.arrow"), directory.path] {
            let result = try runProcess(binary, ["cat", bad])
            #expect(result.status == 2, "\(bad): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(bad), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        let truncated = directory.file("truncated.arrow")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 3).write(to: URL(fileURLWithPath: truncated))
        let result = try runProcess(binary, ["cat", truncated])
        #expect(result.status == 2 && result.stderr.contains("does not end with the ARROW1 magic"), "\(result.stderr)")
    }
}
