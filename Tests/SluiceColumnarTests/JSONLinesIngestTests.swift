import Testing
@testable import SluiceColumnar

/// JSON lines: one flat object per line, checked against the schema.
struct JSONLinesIngestTests {
    private func rows(_ text: String, schema: TableSchema = everyTypeSchema) throws -> [[ColumnValue]] {
        try TableIngest.parse(text, format: .jsonLines, schema: schema, name: "t.jsonl").flatMap(\.rows)
    }

    private func error(_ text: String, schema: TableSchema = everyTypeSchema) -> IngestError? {
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

    @Test func everyTypeAndItsConventions() throws {
        let text = """
            {"id": 1, "price": 1.5, "ok": true, "name": "a\\"b\\u00e9\\ud83d\\ude00", "day": "2024-01-31", "at": "2024-01-31T10:30:00+01:00"}
            {"at": null, "day": null, "name": "", "ok": 0, "price": "NaN", "id": -9223372036854775808}

            {"id": "7", "price": 3, "ok": "false", "name": "line\\nbreak", "day": "1969-12-31", "at": "2024-01-31 09:30:00"}
            """
        let result = try rows(text)
        #expect(result[0] == [.int64(1), .float64(1.5), .bool(true), .string("a\"bé😀"), .date(19753), .timestamp(1_706_693_400_000_000)])
        #expect(result[1] == [.int64(.min), .float64(.nan), .bool(false), .string(""), .null, .null])
        #expect(result[2] == [.int64(7), .float64(3), .bool(false), .string("line\nbreak"), .date(-1), .timestamp(1_706_693_400_000_000)])
    }

    @Test func emptyInputIsAnEmptyTable() throws {
        #expect(try rows("").isEmpty)
        #expect(try rows("\n  \n").isEmpty)
    }

    @Test(arguments: [
        (#"{"id": 1.5}"#, "id", "1.5", ColumnType.int64),
        (#"{"id": "x"}"#, "id", "x", .int64),
        (#"{"price": true}"#, "price", "true", .float64),
        (#"{"ok": 2}"#, "ok", "2", .bool),
        (#"{"name": 5}"#, "name", "5", .string),
        (#"{"day": 19000}"#, "day", "19000", .date),
        (#"{"at": "yesterday"}"#, "at", "yesterday", .timestamp),
        (#"{"name": {"a": 1}}"#, "name", "a JSON object", .string),
        (#"{"id": [1]}"#, "id", "a JSON array", .int64),
        (#"{"id": ""}"#, "id", "", .int64),
    ])
    func reportsBadCells(_ object: String, column: String, value: String, type: ColumnType) {
        let single = TableSchema([(column, type)])
        let dedicated = error(#"{"\#(column)": null}"# + "\n" + object, schema: single)
        #expect(dedicated?.line == 2 && dedicated?.row == 2)
        #expect(dedicated?.column == column && dedicated?.value == value && dedicated?.expectedType == type)
        #expect(dedicated?.description.hasPrefix("t.jsonl:2: row 2, column \"\(column)\": expected \(type), found \"\(value)\"") == true,
                "\(String(describing: dedicated))")
    }

    @Test(arguments: [
        (#"{"id": 1}"#, #"t.jsonl:1: row 1: missing columns "price", "ok", "name", "day", "at""#),
        (#"{"id": 1, "price": 1, "ok": true, "name": "n", "day": null, "at": null, "extra": 1}"#, #"unexpected column "extra""#),
        (#"{"id": 1, "id": 2}"#, #"t.jsonl:1: row 1, column "id": the key appears twice"#),
        (#"[1, 2]"#, "t.jsonl:1: row 1: invalid JSON: expected a JSON object"),
        (#"{"id": 1,}"#, "invalid JSON: expected a quoted key"),
        (#"{"id": 1} x"#, "invalid JSON: unexpected text after the object"),
        (#"{"name": "a\x"}"#, "invalid JSON: an invalid escape sequence in a string"),
        (#"{"name": "\ud800"}"#, #"invalid JSON: an invalid \u escape in a string"#),
        (#"{"name": "open"#, "invalid JSON: a string is never closed"),
        (#"{"id": nul}"#, "invalid JSON: invalid JSON value"),
    ])
    func reportsStructuralProblems(_ line: String, message: String) {
        let error = error(line)
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test func rowNumbersSkipBlankLinesButLinesCountThem() {
        let schema = TableSchema([("id", .int64)])
        let error = error("{\"id\": 1}\n\n{\"id\": \"x\"}\n", schema: schema)
        #expect(error?.line == 3 && error?.row == 2)
    }

    @Test func reportsInvalidUTF8InAString() throws {
        let schema = TableSchema([("name", .string)])
        let bytes = Array(#"{"name": "a"#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        do {
            _ = try TableIngest.parse(bytes, format: .jsonLines, schema: schema, name: "t.jsonl")
            Issue.record("bad UTF-8 was accepted")
        } catch let error as IngestError {
            #expect(error.column == "name" && error.row == 1)
            #expect(error.description.contains("invalid UTF-8"), "\(error)")
        }
    }
}
