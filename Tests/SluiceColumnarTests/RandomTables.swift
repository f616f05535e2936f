import SluiceBasics
@testable import SluiceColumnar
import SluiceTestSupport

/// Random tables with every column type, nulls everywhere, unicode and
/// empty strings, and the awkward floats (NaN, -0.0, infinities).
enum RandomTables {
    static let stringPool = ["", "a", "héllo", "✓ ok", "😀👍🏽", "e\u{301}", "日本語", "quote \" comma , end",
                             "two\nlines", "cr\r\nlf", " spaced ", "tab\there", "back\\slash", "null", "NaN"]

    static func schema(using generator: inout SeededGenerator) -> TableSchema {
        let count = Int.random(in: 1...7, using: &generator)
        return TableSchema((0..<count).map { ("c\($0)", ColumnType.allCases.randomElement(using: &generator) ?? .int64) })
    }

    static func rows(_ schema: TableSchema, count: Int, using generator: inout SeededGenerator) -> [[ColumnValue]] {
        let nullRate = Double.random(in: 0...0.5, using: &generator)
        return (0..<count).map { _ in
            schema.columns.map { column in
                Double.random(in: 0..<1, using: &generator) < nullRate ? .null : value(column.type, using: &generator)
            }
        }
    }

    static func value(_ type: ColumnType, using generator: inout SeededGenerator) -> ColumnValue {
        switch type {
        case .int64:
            return .int64(Bool.random(using: &generator) ? Int64(bitPattern: generator.next()) : Int64.random(in: -1000...1000, using: &generator))
        case .float64:
            let specials: [Double] = [.nan, -0.0, 0, .infinity, -.infinity, 0.1, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
            if Int.random(in: 0..<5, using: &generator) == 0 { return .float64(specials.randomElement(using: &generator) ?? 0) }
            let random = Double(bitPattern: generator.next())
            return .float64(random.isNaN ? 1.5 : random)
        case .bool:
            return .bool(Bool.random(using: &generator))
        case .string:
            let parts = (0..<Int.random(in: 0...3, using: &generator)).map { _ in stringPool.randomElement(using: &generator) ?? "" }
            return .string(parts.joined())
        case .date:
            return .date(Int32.random(in: -800_000...2_900_000, using: &generator))
        case .timestamp:
            return .timestamp(Int64.random(in: -62_000_000_000_000_000...250_000_000_000_000_000, using: &generator))
        }
    }

    /// Expected data for verify_arrow.py: one JSON object per row; dates as
    /// days, timestamps as microseconds, floats in shortest exact form.
    static func expectedJSONLines(_ schema: TableSchema, _ rows: [[ColumnValue]]) -> String {
        rows.map { row in
            let members = zip(schema.columns, row).map { column, value in
                JSONString.quoted(column.name) + ":" + expectedJSON(value)
            }
            return "{" + members.joined(separator: ",") + "}\n"
        }.joined()
    }

    private static func expectedJSON(_ value: ColumnValue) -> String {
        switch value {
        case .date(let days): return String(days)
        case .timestamp(let micros): return String(micros)
        default: return CellText.json(value)
        }
    }

    /// The `--schema` argument of verify_arrow.py, every column nullable.
    static func verifierSchema(_ schema: TableSchema) -> String {
        schema.columns.map { "\($0.name):\($0.type.arrowName)?" }.joined(separator: ",")
    }
}
