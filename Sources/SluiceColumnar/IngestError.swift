/// Why a CSV or JSON-lines file does not fit its declared table, located
/// precisely: `prices.csv:4: row 3, column "close": expected float64, found "abc"`.
/// Rows count data records from 1 (the CSV header is not a row); the line is
/// where the record starts in the file.
public struct IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let row: Int?
    public let column: String?
    /// The offending text, when there is one.
    public let value: String?
    public let expectedType: ColumnType?
    /// The message after the location, e.g. `expected float64, found "abc"`.
    public let problem: String

    public init(file: String, line: Int? = nil, row: Int? = nil, column: String? = nil,
                value: String? = nil, expectedType: ColumnType? = nil, problem: String) {
        self.file = file
        self.line = line
        self.row = row
        self.column = column
        self.value = value
        self.expectedType = expectedType
        self.problem = problem
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        var subject: [String] = []
        if let row { subject.append("row \(row)") }
        if let column { subject.append("column \(Self.quoted(column))") }
        return location + ": " + (subject.isEmpty ? "" : subject.joined(separator: ", ") + ": ") + problem
    }

    /// A value for a message: quoted, control characters escaped, long
    /// values shortened, so one bad cell cannot flood a terminal.
    static func quoted(_ text: String, limit: Int = 60) -> String {
        var shown = ""
        for scalar in text.unicodeScalars.prefix(limit) {
            switch scalar {
            case "\"": shown += "\\\""
            case "\\": shown += "\\\\"
            case "\n": shown += "\\n"
            case "\r": shown += "\\r"
            case "\t": shown += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: shown += "\\u{\(String(scalar.value, radix: 16))}"
            default: shown.unicodeScalars.append(scalar)
            }
        }
        return "\"" + shown + (text.unicodeScalars.count > limit ? "…" : "") + "\""
    }
}

/// The location of the record being converted, for building errors.
struct RecordLocation {
    let file: String
    let line: Int
    let row: Int

    func error(_ problem: String, column: String? = nil) -> IngestError {
        IngestError(file: file, line: line, row: row, column: column, problem: problem)
    }

    func badValue(_ text: String, column: TableColumn, reason: String? = nil) -> IngestError {
        let found = "expected \(column.type), found \(IngestError.quoted(text))"
        return IngestError(file: file, line: line, row: row, column: column.name, value: text,
                           expectedType: column.type, problem: found + (reason.map { " (\($0))" } ?? ""))
    }
}
