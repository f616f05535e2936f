import Foundation
import SluiceTestSupport
import Testing
@testable import SluiceColumnar

/// `TableChecks`: the checks' semantics over batches, compared with a plain
/// reference computed row by row.
@Suite("table checks")
struct TableChecksEvaluationTests {
    static let schema = TableSchema([("k", .string), ("n", .int64), ("x", .float64)])

    /// Random rows (small domains, so keys repeat), cut into batches of random sizes.
    static func batches(seed: UInt64, rows: Int) throws -> [RecordBatch] {
        var random = SeededGenerator(seed: seed)
        var all: [[ColumnValue]] = []
        for _ in 0..<rows {
            let k: ColumnValue = Int.random(in: 0..<10, using: &random) == 0 ? .null : .string(String(repeating: "k", count: Int.random(in: 0..<4, using: &random)))
            let n: ColumnValue = Int.random(in: 0..<10, using: &random) == 0 ? .null : .int64(Int64.random(in: -3...3, using: &random))
            let choices: [Double] = [0.0, -0.0, .nan, 1.5, -2]
            let x: ColumnValue = .float64(choices[Int.random(in: 0..<choices.count, using: &random)])
            all.append([k, n, x])
        }
        var batches: [RecordBatch] = []
        var start = 0
        while start < all.count {
            let size = min(all.count - start, Int.random(in: 1...50, using: &random))
            batches.append(try RecordBatch(schema: schema, rows: Array(all[start..<start + size])))
            start += size
        }
        return batches
    }

    static func evaluate(_ checks: [TableCheck], _ batches: [RecordBatch]) throws -> [TableCheckResult] {
        var evaluator = try TableCheckEvaluator(checks, schema: schema)
        for batch in batches { evaluator.consume(batch) }
        return evaluator.results()
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func uniqueAgreesWithAReferenceSetAcrossBatches(_ seed: UInt64) throws {
        let batches = try Self.batches(seed: seed, rows: 400)
        let rows = batches.flatMap(\.rows)
        // Reference: a row repeats an earlier one when its (k, n, x) was seen; -0.0 is 0.0, NaN is NaN.
        func normal(_ value: ColumnValue) -> ColumnValue {
            if case .float64(let v) = value, v == 0 { return .float64(0) }
            return value
        }
        var seen: [[ColumnValue]: Int] = [:]
        var expected: [(row: Int, earlier: Int)] = []
        for (index, row) in rows.enumerated() {
            let key = row.map(normal)
            if let earlier = seen[key] { expected.append((index + 1, earlier + 1)) } else { seen[key] = index }
        }
        let result = try #require(try Self.evaluate([TableCheck(.unique(["k", "n", "x"]))], batches).first)
        #expect(result.failingRows == expected.count)
        #expect(result.totalRows == rows.count)
        #expect(result.examples.map(\.row) == expected.prefix(TableChecks.exampleLimit).map(\.row))
        #expect(result.examples.map(\.repeatsRow) == expected.prefix(TableChecks.exampleLimit).map(\.earlier))
    }

    /// Every column type, keys of one to five columns in any order, and
    /// enough distinct values that the key tables grow several times: the
    /// codes `unique` folds its columns into must agree with whole-row keys.
    @Test(arguments: [(11, ["n"]), (12, ["k"]), (13, ["x"]), (14, ["d"]), (15, ["b"]), (16, ["t"]),
                      (17, ["t", "k"]), (18, ["k", "t"]), (19, ["b", "d", "x"]), (20, ["k", "n", "x", "d", "b"]),
                      (21, ["n", "n"])] as [(UInt64, [String])])
    func uniqueOverAnyColumnsAgreesWithAReferenceSet(_ seed: UInt64, _ columns: [String]) throws {
        let schema = TableSchema([("k", .string), ("n", .int64), ("x", .float64), ("d", .date), ("b", .bool), ("t", .timestamp)])
        var random = SeededGenerator(seed: seed)
        func maybeNull(_ value: ColumnValue) -> ColumnValue { Int.random(in: 0..<20, using: &random) == 0 ? .null : value }
        var all: [[ColumnValue]] = []
        for _ in 0..<6000 {
            let floats: [Double] = [0.0, -0.0, .nan, -.nan, .infinity, 1.5, Double(Int.random(in: 0..<3000, using: &random))]
            all.append([
                // Short (packed into a word) and long (hashed as bytes) strings, NUL bytes included.
                maybeNull(.string(String(Int.random(in: 0..<3000, using: &random), radix: 36) + ["", "\0", "-a-longer-key"][Int.random(in: 0..<3, using: &random)])),
                maybeNull(.int64(Int64.random(in: -1500...1500, using: &random))),
                maybeNull(.float64(floats[Int.random(in: 0..<floats.count, using: &random)])),
                maybeNull(.date(Int32.random(in: -2000...2000, using: &random))),
                maybeNull(.bool(Bool.random(using: &random))),
                maybeNull(.timestamp(Int64.random(in: 0..<3000, using: &random) * 3_600_000_000)),
            ])
        }
        // Exact copies of earlier rows, so even a five-column key repeats.
        for _ in 0..<300 { all.insert(all[Int.random(in: 0..<3000, using: &random)], at: Int.random(in: 3000..<all.count, using: &random)) }
        var batches: [RecordBatch] = []
        var start = 0
        while start < all.count {
            let size = min(all.count - start, Int.random(in: 1...700, using: &random))
            batches.append(try RecordBatch(schema: schema, rows: Array(all[start..<start + size])))
            start += size
        }
        let positions = try columns.map { name in try #require(schema.columns.firstIndex { $0.name == name }) }
        // Reference: whole-row keys in a Swift dictionary; -0.0 is 0.0, every NaN one NaN, null a value.
        func normal(_ value: ColumnValue) -> String {
            if case .float64(let v) = value { return v.isNaN ? "nan" : v == 0 ? "f0" : "f\(v)" }
            return "\(value)"
        }
        var seen: [[String]: Int] = [:]
        var expected: [(row: Int, earlier: Int)] = []
        for (index, row) in all.enumerated() {
            let key = positions.map { normal(row[$0]) }
            if let earlier = seen[key] { expected.append((index + 1, earlier + 1)) } else { seen[key] = index }
        }
        #expect(expected.count > 0 && seen.count > 1)
        // The last fold as a bit grid throughout, as a hash map throughout, and a 4 KiB grid given up early
        // (mid-table switching has its own test below).
        for budget in [KeyGridBudget.standard, KeyGridBudget(floorBytes: 0, bytesPerKey: 0), KeyGridBudget(floorBytes: 4096, bytesPerKey: 0)] {
            var evaluator = try TableCheckEvaluator([TableCheck(.unique(columns))], schema: schema,
                                                    expectedRows: seed.isMultiple(of: 2) ? all.count : nil, gridBudget: budget)
            for batch in batches { evaluator.consume(batch) }
            let result = try #require(evaluator.results().first)
            #expect(result.failingRows == expected.count, "budget \(budget)")
            #expect(result.examples.map(\.row) == expected.prefix(TableChecks.exampleLimit).map(\.row), "budget \(budget)")
            #expect(result.examples.map(\.repeatsRow) == expected.prefix(TableChecks.exampleLimit).map(\.earlier), "budget \(budget)")
        }
    }

    /// A grid given up mid-table for the hash map: keys seen under the grid
    /// keep their first rows, and a repeat after the switch of a key first
    /// seen before it is found and names the right row.
    @Test func uniqueSwitchesFromTheGridToTheMapMidTableWithoutLosingAKey() throws {
        let schema = TableSchema([("b", .bool), ("n", .int64)])
        // (b, n) all distinct: 2 prefix codes, n's codes grow with the rows, so the grid outgrows
        // a 256-byte budget (2,048 bits) once n has more than 1,024 values.
        var rows: [[ColumnValue]] = (0..<4_000).map { [.bool($0 % 2 == 0), .int64(Int64($0 / 2))] }
        rows.append(contentsOf: [rows[10], rows[3_001], rows[11]])  // after the switch: two keys from before it, one after
        var keys = UniqueKeys(columns: 2, expectedKeys: 0, budget: KeyGridBudget(floorBytes: 256, bytesPerKey: 0))
        var repeats = 0
        var examples: [(row: Int, earlier: Int)] = []
        var switchedAfter: Int?
        for start in stride(from: 0, to: rows.count, by: 100) {
            let batch = try RecordBatch(schema: schema, rows: Array(rows[start..<min(start + 100, rows.count)]))
            let found = keys.consume(batch.columns, batch.rowCount, firstRow: start, room: 5)
            repeats += found.repeats
            examples += found.examples
            if !keys.usesGrid && switchedAfter == nil { switchedAfter = start }
        }
        #expect(switchedAfter.map { $0 > 0 && $0 < 4_000 } == true, "switched at \(String(describing: switchedAfter))")
        #expect(repeats == 3)
        #expect(examples.map(\.row) == [4_000, 4_001, 4_002])
        #expect(examples.map(\.earlier) == [10, 3_001, 11])
    }

    /// Two different keys with the same hash are two keys: a hash match is
    /// only a candidate, the bytes decide. No false "duplicate".
    @Test func aHashCollisionIsNotADuplicate() {
        var set = RowKeySet()
        let forced: UInt64 = 0xDEAD_BEEF_0000_0007
        func insert(_ text: String, row: Int) -> Int? {
            var text = text
            return text.withUTF8 { set.insert(UnsafeRawBufferPointer($0), hash: forced, row: row) }
        }
        #expect(insert("first key", row: 0) == nil)
        #expect(insert("other key", row: 1) == nil)
        #expect(insert("first key!", row: 2) == nil)
        #expect(insert("other key", row: 3) == 1)
        #expect(insert("first key", row: 4) == 0)
        #expect(set.count == 3)
    }

    /// Strings of up to 7 bytes are keyed as one word: every length, NUL
    /// bytes, and a cell at the very end of its buffer (no 8-byte load there)
    /// must give distinct words for distinct strings and one word for equal ones.
    @Test func packedStringsAreExact() {
        let strings = ["", "\0", "\0\0", "a", "a\0", "\0a", "ab", "abcdefg", "abcdef\0", "é", "NG_99"]
        var words: [UInt64: String] = [:]
        for string in strings {
            let bytes = Array(string.utf8)
            // The cell at the end of its buffer, and the same cell followed by other bytes.
            let alone = bytes.withUnsafeBytes { CellKey.packedString($0, 0, bytes.count) }
            let followed = (bytes + Array("zzzzzzzz".utf8)).withUnsafeBytes { CellKey.packedString($0, 0, bytes.count) }
            let shifted = (Array("xy".utf8) + bytes + Array("zzzzzzzz".utf8)).withUnsafeBytes { CellKey.packedString($0, 2, 2 + bytes.count) }
            #expect(alone != nil && alone == followed && alone == shifted, "\(string.debugDescription)")
            if let alone { #expect(words.updateValue(string, forKey: alone) == nil, "\(string.debugDescription) shares a word") }
        }
        #expect(Array("abcdefgh".utf8).withUnsafeBytes { CellKey.packedString($0, 0, 8) } == nil)
    }

    @Test func acceptedStringsOfEveryLengthAgreeWithASet() throws {
        let schema = TableSchema([("k", .string)])
        let accepted = ["", "a", "a\0", "abcdefg", "abcdefgh", "a-much-longer-accepted-value"]
        let cells = accepted + ["\0", "b", "abcdef", "abcdefgi", "a-much-longer-accepted-valuE", "A"]
        var random = SeededGenerator(seed: 31)
        let rows: [[ColumnValue]] = (0..<500).map { _ in
            Int.random(in: 0..<10, using: &random) == 0 ? [.null] : [.string(cells[Int.random(in: 0..<cells.count, using: &random)])]
        }
        let batches = try stride(from: 0, to: rows.count, by: 64).map { try RecordBatch(schema: schema, rows: Array(rows[$0..<min($0 + 64, rows.count)])) }
        var evaluator = try TableCheckEvaluator([TableCheck(.acceptedValues(column: "k", values: accepted.map(ColumnValue.string)))], schema: schema)
        for batch in batches { evaluator.consume(batch) }
        let expected = rows.enumerated().filter { if case .string(let k) = $0.element[0] { !accepted.contains(k) } else { false } }
        let result = try #require(evaluator.results().first)
        #expect(result.failingRows == expected.count && expected.count > 0)
        #expect(result.examples.map(\.row) == expected.prefix(TableChecks.exampleLimit).map { $0.offset + 1 })
    }

    @Test func notNullRangeAndAcceptedValuesCountWhatTheyShould() throws {
        let batches = try Self.batches(seed: 9, rows: 300)
        let rows = batches.flatMap(\.rows)
        let results = try Self.evaluate([
            TableCheck(.notNull(["k", "x"])),
            TableCheck(.range(column: "x", min: .float64(-1), max: nil)),
            TableCheck(.range(column: "n", min: .int64(0), max: .int64(2))),
            TableCheck(.acceptedValues(column: "k", values: [.string(""), .string("kk")])),
            TableCheck(.rows(min: 301, max: nil), isWarning: true),
        ], batches)
        func x(_ row: [ColumnValue]) -> Double? { if case .float64(let v) = row[2] { v } else { nil } }
        let missing = rows.filter { $0[0] == .null || x($0).map(\.isNaN) ?? true }.count
        let outOfRange = rows.filter { x($0).map { !($0 >= -1) } ?? false }.count
        let nOut = rows.filter { if case .int64(let v) = $0[1] { v < 0 || v > 2 } else { false } }.count
        let notAccepted = rows.filter { if case .string(let k) = $0[0] { k != "" && k != "kk" } else { false } }.count
        #expect(results.map(\.failingRows) == [missing, outOfRange, nOut, notAccepted, 1])
        #expect(results.map(\.status) == [missing, outOfRange, nOut, notAccepted].map { $0 == 0 ? "passed" : "failed" } + ["warned"])
    }

    @Test func aCheckOnAColumnTheTableLacksOrCannotHoldIsRefused() {
        #expect(throws: TableCheckError.self) { try TableCheckEvaluator([TableCheck(.unique(["nope"]))], schema: Self.schema) }
        #expect(throws: TableCheckError.self) {
            try TableCheckEvaluator([TableCheck(.range(column: "k", min: .string("a"), max: nil))], schema: Self.schema)
        }
        #expect(throws: TableCheckError.self) {
            try TableCheckEvaluator([TableCheck(.acceptedValues(column: "n", values: [.string("1")]))], schema: Self.schema)
        }
    }

    @Test func checksReadAWrittenFileBatchByBatch() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("t.arrow")
        try ArrowFile.write(try Self.batches(seed: 5, rows: 200), schema: Self.schema, to: path)
        let fromFile = try TableChecks.run([TableCheck(.unique(["k", "n"])), TableCheck(.rows(min: 200, max: 200))], path: path)
        let inMemory = try Self.evaluate([TableCheck(.unique(["k", "n"])), TableCheck(.rows(min: 200, max: 200))], try Self.batches(seed: 5, rows: 200))
        #expect(fromFile == inMemory)
        #expect(fromFile.last?.passed == true)
    }

    /// `sluice run` checks a table on the batches ingest writes: the results
    /// (counts, examples, row numbers across batches) are those of reading
    /// the written file back, and the file is the same as without checks.
    @Test func checksDuringIngestEqualChecksOnTheWrittenFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        var csv = "k,n,x\n"
        for row in 0..<5_000 { csv += "\(row % 7 == 0 ? "" : "k\(row % 13)"),\(row % 11 == 0 ? "" : String(row % 97)),\(row % 5 == 0 ? "" : String(row % 3))\n" }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: directory.file("t.csv")))
        let checks = [TableCheck(.unique(["k", "n"])), TableCheck(.notNull(["k", "x"])), TableCheck(.range(column: "x", min: .float64(0), max: .float64(1))),
                      TableCheck(.acceptedValues(column: "k", values: (0..<6).map { .string("k\($0)") })), TableCheck(.rows(min: 5_000, max: nil))]
        let during = try TableChecks.ingest(from: directory.file("t.csv"), schema: Self.schema, to: directory.file("checked.arrow"),
                                            rowsPerBatch: 700, checks: checks)
        try TableIngest.ingest(from: directory.file("t.csv"), schema: Self.schema, to: directory.file("plain.arrow"), rowsPerBatch: 1_000)
        let afterwards = try TableChecks.run(checks, path: directory.file("plain.arrow"))
        #expect(during == afterwards)
        #expect(during.contains { $0.failingRows > 0 } && during.contains { $0.passed })
        try TableIngest.ingest(from: directory.file("t.csv"), schema: Self.schema, to: directory.file("plain700.arrow"), rowsPerBatch: 700)
        let checkedBytes = FileManager.default.contents(atPath: directory.file("checked.arrow"))
        #expect(checkedBytes != nil && checkedBytes == FileManager.default.contents(atPath: directory.file("plain700.arrow")))
    }

    @Test func valuesParseInTheColumnsTerms() {
        #expect(ColumnValue.parse("2024-01-01T02:00:00+02:00", as: .timestamp) == .timestamp(1_704_067_200_000_000))
        #expect(ColumnValue.parse("2024-02-30", as: .date) == nil)
        #expect(ColumnValue.parse("12", as: .int64) == .int64(12))
        #expect(ColumnValue.parse("1e3", as: .float64) == .float64(1000))
    }
}
