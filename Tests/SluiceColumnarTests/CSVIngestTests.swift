import Testing
@testable import SluiceColumnar

/// RFC 4180 parsing and the CSV conventions, case by case.
struct CSVIngestTests {
    private let schema = TableSchema([("id", .int64), ("name", .string)])

    private func rows(_ text: String, schema: TableSchema? = nil) throws -> [[ColumnValue]] {
        try TableIngest.parse(text, format: .csv, schema: schema ?? self.schema, name: "t.csv").flatMap(\.rows)
    }

    private func error(_ text: String, schema: TableSchema? = nil) -> IngestError? {
        do {
            _ = try rows(text, schema: schema)
            return nil
        } catch let error as IngestError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    @Test(arguments: [
        ("id,name\n1,a\n", [[ColumnValue.int64(1), .string("a")]]),
        ("id,name\r\n1,a\r\n2,b", [[.int64(1), .string("a")], [.int64(2), .string("b")]]),
        ("\u{FEFF}id,name\n1,a\n", [[.int64(1), .string("a")]]),                       // BOM
        ("id,name\n1,\"a,b\"\n", [[.int64(1), .string("a,b")]]),                       // embedded comma
        ("id,name\n1,\"say \"\"hi\"\"\"\n", [[.int64(1), .string("say \"hi\"")]]),     // doubled quotes
        ("id,name\n1,\"two\nlines\"\n", [[.int64(1), .string("two\nlines")]]),         // embedded newline
        ("id,name\n1,\"crlf\r\ninside\"\r\n", [[.int64(1), .string("crlf\r\ninside")]]),
        ("id,name\n1,\n", [[.int64(1), .null]]),                                       // empty unquoted = null
        ("id,name\n1,\"\"\n", [[.int64(1), .string("")]]),                             // "" = empty string
        ("id,name\n,x\n", [[.null, .string("x")]]),
        ("id,name\n\"\",x\n", [[.null, .string("x")]]),                                // "" in a non-string column = null
        ("id,name\n1,a b \n", [[.int64(1), .string("a b ")]]),                         // spaces kept
        ("id,name\n1,a\rb\n", [[.int64(1), .string("a\rb")]]),                         // lone CR is data
        ("name,id\nx,5\n", [[.int64(5), .string("x")]]),                               // header order free
        ("id,name\n1,héllo ✓ 😀\n", [[.int64(1), .string("héllo ✓ 😀")]]),
        ("id,name\n", []),
        ("id,name", []),
        ("id,name\n1,a", [[.int64(1), .string("a")]]),                                 // no final newline
    ])
    func parses(_ text: String, _ expected: [[ColumnValue]]) throws {
        #expect(try rows(text) == expected)
    }

    @Test func everyTypeAndItsConventions() throws {
        let text = """
            id,price,ok,name,day,at
            1,1.5,true,a,2024-01-31,2024-01-31T09:30:00Z
            -2,-0.0,0,,1969-12-31,2024-01-31T10:30:00+01:00
            ,NaN,FALSE,"",,2024-01-31 09:30:00.000001
            """
        let result = try rows(text, schema: everyTypeSchema)
        #expect(result[0] == [.int64(1), .float64(1.5), .bool(true), .string("a"), .date(19753), .timestamp(1_706_693_400_000_000)])
        #expect(result[1] == [.int64(-2), .float64(-0.0), .bool(false), .null, .date(-1), .timestamp(1_706_693_400_000_000)])
        #expect(result[2] == [.null, .float64(.nan), .bool(false), .string(""), .null, .timestamp(1_706_693_400_000_001)])
    }

    @Test func oneColumnTableReadsBlankLinesAsNulls() throws {
        let single = TableSchema([("x", .string)])
        #expect(try rows("x\na\n\n\"\"\n", schema: single) == [[.string("a")], [.null], [.string("")]])
    }

    @Test func manyBatchesAcrossChunkBoundaries() throws {
        var text = "id,name\n"
        for index in 0..<5000 { text += "\(index),\"v,\(index)\"\"\n\"\r\n" }
        let batches = try TableIngest.parse(text, format: .csv, schema: schema, rowsPerBatch: 999)
        #expect(batches.map(\.rowCount) == [999, 999, 999, 999, 999, 5])
        #expect(batches[5].row(4) == [.int64(4999), .string("v,4999\"\n")])
    }

    /// (input, line, row, column, value, expected type, message fragment)
    @Test(arguments: [
        ("id,name\n1,a\nx,b\n", 3, 2, "id", "x", ColumnType.int64, #"t.csv:3: row 2, column "id": expected int64, found "x""#),
        ("id,name\n99999999999999999999,a\n", 2, 1, "id", "99999999999999999999", .int64, "(out of range for int64)"),
        ("id,name\n1.5,a\n", 2, 1, "id", "1.5", .int64, #"expected int64, found "1.5""#),
        ("id,name\n1,\"a\nb\"\n3,\"b\n", 4, 2, nil, nil, nil, "t.csv:4: row 2: a quoted field is never closed"),
    ] as [(String, Int, Int, String?, String?, ColumnType?, String)])
    func reportsBadCells(_ text: String, line: Int, row: Int, column: String?, value: String?, type: ColumnType?, message: String) {
        let error = error(text)
        #expect(error?.file == "t.csv")
        #expect(error?.line == line)
        #expect(error?.row == row)
        #expect(error?.column == column)
        #expect(error?.value == value)
        #expect(error?.expectedType == type)
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test(arguments: [
        ("id,price,ok,name,day,at\n1,abc,true,a,2024-01-01,2024-01-01T00:00:00Z\n", "price", "abc", ColumnType.float64),
        ("id,price,ok,name,day,at\n1,1,yes,a,2024-01-01,2024-01-01T00:00:00Z\n", "ok", "yes", .bool),
        ("id,price,ok,name,day,at\n1,1,true,a,2024-02-30,2024-01-01T00:00:00Z\n", "day", "2024-02-30", .date),
        ("id,price,ok,name,day,at\n1,1,true,a,2024-01-01,01/01/2024\n", "at", "01/01/2024", .timestamp),
    ])
    func reportsTheColumnValueAndTypeForEveryType(_ text: String, column: String, value: String, type: ColumnType) {
        let error = error(text, schema: everyTypeSchema)
        #expect(error?.row == 1 && error?.line == 2)
        #expect(error?.column == column && error?.value == value && error?.expectedType == type)
        #expect(error?.description.hasPrefix("t.csv:2: row 1, column \"\(column)\": expected \(type), found \"\(value)\"") == true,
                "\(String(describing: error))")
    }

    @Test(arguments: [
        ("id,name\n1,a,extra\n", "t.csv:2: row 1: 3 fields, but the header has 2"),
        ("id,name\n1\n", "t.csv:2: row 1: 1 fields, but the header has 2"),
        ("id,name\n1,a\n\n", "t.csv:3: row 2: a blank line, but the header has 2 fields"),
        ("id\n1\n", #"t.csv:1: missing column "name" (the table declares "id", "name")"#),
        ("id,name,zip\n1,a,3\n", #"t.csv:1: unexpected column "zip""#),
        ("id,nam\n", #"missing column "name"; unexpected column "nam""#),
        ("id,name,id\n", #"t.csv:1: column "id": the column appears twice"#),
        ("", "t.csv: the file is empty; a header row naming the columns is needed"),
        ("id,name\n1,\"a\"b\n", "t.csv:2: row 1: unexpected text after a closing quote"),
        ("id,name\n1,a\"b\n", "t.csv:2: row 1: a quote inside an unquoted field"),
        ("id,name\n1,\"open\n", "t.csv:2: row 1: a quoted field is never closed"),
    ])
    func reportsStructuralProblems(_ text: String, message: String) {
        let error = error(text)
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test func reportsInvalidUTF8WithRowAndColumn() throws {
        let bytes = Array("id,name\n1,ok\n2,".utf8) + [0x66, 0xFF, 0x6F] + Array("\n".utf8)
        do {
            _ = try TableIngest.parse(bytes, format: .csv, schema: schema, name: "t.csv")
            Issue.record("bad UTF-8 was accepted")
        } catch let error as IngestError {
            #expect(error.row == 2 && error.column == "name" && error.line == 3)
            #expect(error.description.contains("(invalid UTF-8 at byte 2)"), "\(error)")
        }
    }

    @Test func longValuesAreShortenedAndControlCharactersEscapedInMessages() {
        let long = String(repeating: "x", count: 500)
        let error = error("id,name\n\(long)\u{1},a\n")
        #expect(error?.value?.count == 501)
        #expect(error?.description.contains("…") == true)
        #expect(error?.description.contains("\\u{1}") == false)  // cut before the control character
        #expect(IngestError.quoted("a\tb\u{1}") == #""a\tb\u{1}""#)
    }

    /// Big inputs convert columns in parallel; the error must still be the
    /// first bad cell in reading order, and a ragged row after it must not win.
    @Test(arguments: [
        ([(5000, 3), (5000, 5), (7000, 1)], nil as Int?, 5000, "name"),
        ([(8000, 0)], 6000, 6000, nil),
        ([(3000, 4)], 6000, 3000, "day"),
    ] as [([(Int, Int)], Int?, Int, String?)])
    func firstBadCellWinsInLargeInputs(badCells: [(Int, Int)], raggedRow: Int?, expectedRow: Int, expectedColumn: String?) {
        let good = ["1", "2.5", "true", "x", "2024-01-01", "2024-01-01T00:00:00Z"]
        var text = "id,price,ok,name,day,at\n"
        for row in 1...10_000 {
            var cells = good
            for (badRow, column) in badCells where badRow == row { cells[column] = column == 3 ? "\u{FFFD}" : "bad" }
            if row == raggedRow { cells.removeLast() }
            text += cells.joined(separator: ",") + "\n"
        }
        // "bad" is a fine string, so the string column gets invalid UTF-8 instead.
        let patched = patchInvalidUTF8(Array(text.utf8))
        do {
            _ = try TableIngest.parse(patched, format: .csv, schema: everyTypeSchema, name: "big.csv")
            Issue.record("no error")
        } catch let error as IngestError {
            #expect(error.row == expectedRow && error.line == expectedRow + 1, "\(error)")
            #expect(error.column == expectedColumn, "\(error)")
        } catch {
            Issue.record("\(error)")
        }
    }

    /// Replaces the UTF-8 of U+FFFD with a lone 0xFF byte (invalid UTF-8).
    private func patchInvalidUTF8(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if index + 2 < bytes.count && bytes[index] == 0xEF && bytes[index + 1] == 0xBF && bytes[index + 2] == 0xBD {
                out.append(0xFF)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }
}
