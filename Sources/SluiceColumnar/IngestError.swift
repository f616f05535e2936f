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
    public var problem: String { Self.render(problemParts) { $0 } }
    /// The problem with the data it quotes kept apart, so a reader can
    /// redact them (mask secrets) before they are escaped and shortened.
    let problemParts: [ProblemPart]

    enum ProblemPart: Equatable, Sendable {
        case text(String)
        /// Text from the data (a cell, a header name): quoted when shown.
        case quoted(String)
    }

    public init(file: String, line: Int? = nil, row: Int? = nil, column: String? = nil,
                value: String? = nil, expectedType: ColumnType? = nil, problem: String) {
        self.init(file: file, line: line, row: row, column: column, value: value, expectedType: expectedType, parts: [.text(problem)])
    }

    init(file: String, line: Int? = nil, row: Int? = nil, column: String? = nil,
         value: String? = nil, expectedType: ColumnType? = nil, parts: [ProblemPart]) {
        self.file = file
        self.line = line
        self.row = row
        self.column = column
        self.value = value
        self.expectedType = expectedType
        self.problemParts = parts
    }

    public var description: String { description(redacting: { $0 }) }

    /// The message with every piece of data passed through `redact` before
    /// it is escaped and shortened (a shortened secret could not be masked after).
    public func description(redacting redact: (String) -> String) -> String {
        var location = file
        if let line { location += ":\(line)" }
        var subject: [String] = []
        if let row { subject.append("row \(row)") }
        if let column { subject.append("column \(Self.quoted(redact(column)))") }
        return location + ": " + (subject.isEmpty ? "" : subject.joined(separator: ", ") + ": ") + Self.render(problemParts, redact)
    }

    private static func render(_ parts: [ProblemPart], _ redact: (String) -> String) -> String {
        parts.map { part in
            switch part {
            case .text(let text): text
            case .quoted(let data): quoted(redact(data))
            }
        }.joined()
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
        IngestError(file: file, line: line, row: row, column: column.name, value: text, expectedType: column.type,
                    parts: [.text("expected \(column.type), found "), .quoted(text), .text(reason.map { " (\($0))" } ?? "")])
    }
}
