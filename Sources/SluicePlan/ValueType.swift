/// The type of a task output (DESIGN.md "Types for outputs"): what the
/// executor checks an output against, and what the checker compares across
/// a data contract.
public indirect enum ValueType: Hashable, Sendable, CustomStringConvertible {
    case string, int, float, bool, json, file
    case list(ValueType)
    case table([TableColumn])

    /// The canonical spelling: `list[int]`, `table(ts: timestamp, y: float64)`.
    public var description: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .float: "float"
        case .bool: "bool"
        case .json: "json"
        case .file: "file"
        case .list(let element): "list[\(element)]"
        case .table(let columns): Self.tableSpelling(columns)
        }
    }

    /// `table(ts: timestamp, y: float64)`, appended piece by piece into one
    /// `String`: the plan writes the type of every output, and mapping the
    /// columns through interpolation and `joined` cost about 4,000
    /// instructions a table.
    private static func tableSpelling(_ columns: [TableColumn]) -> String {
        var text = "table("
        for (position, column) in columns.enumerated() {
            if position > 0 { text += ", " }
            text += column.name
            text += ": "
            text += column.type.rawValue
        }
        text += ")"
        return text
    }

    /// Tables and files are artifacts on disk; everything else is a scalar
    /// value carried in the outputs file.
    public var isArtifact: Bool {
        switch self {
        case .table, .file: true
        default: false
        }
    }

    public var isList: Bool {
        if case .list = self { true } else { false }
    }

    public var tableColumns: [TableColumn]? {
        if case .table(let columns) = self { columns } else { nil }
    }
}

/// One column of a table type.
public struct TableColumn: Hashable, Sendable {
    public var name: String
    public var type: TableColumnType

    public init(name: String, type: TableColumnType) {
        self.name = name
        self.type = type
    }
}

/// Column types of a `table(...)`: the Arrow types the columnar library writes.
public enum TableColumnType: String, Hashable, Sendable, CaseIterable {
    case int64, float64, bool, string, date, timestamp
}

extension ValueType {
    public static let scalarNames = ["string", "int", "float", "bool", "json", "file"]

    /// Parses a type as written in a spec. Errors carry the offset and length
    /// (in Unicode scalars) of the bad part, so `invalid-type` underlines it.
    public static func parse(_ text: String) -> Result<ValueType, LiteralError> {
        ScanText.with(text) { parse($0) }
    }

    private static func parse(_ text: ScanText) -> Result<ValueType, LiteralError> {
        var parser = TypeParser(text)
        return Result { () throws(LiteralError) in
            parser.skipSpaces()
            guard parser.position < parser.text.count else {
                throw LiteralError(message: "the type is empty", offset: 0, length: 0)
            }
            let type = try parser.type(depth: 0)
            parser.skipSpaces()
            if parser.position < parser.text.count {
                throw LiteralError(message: "unexpected \(parser.text.slice(parser.position, parser.text.count).literalQuoted) after the type",
                                   offset: parser.position, length: parser.text.count - parser.position)
            }
            return type
        }
    }
}

private struct TypeParser {
    let text: ScanText
    var position = 0

    init(_ text: ScanText) { self.text = text }

    mutating func skipSpaces() {
        while let s = text[safe: position], s == " " || s == "\t" { position += 1 }
    }

    mutating func word() -> (text: String, start: Int) {
        let start = position
        while let s = text[safe: position], ScanText.isAlphabetic(s) || isDigit(s) || s == "_" { position += 1 }
        return (text.slice(start, position), start)
    }

    mutating func expect(_ scalar: Unicode.Scalar, _ what: String) throws(LiteralError) {
        skipSpaces()
        guard text[safe: position] == scalar else {
            let found = text[safe: position].map { String(Character($0)).literalQuoted } ?? "the end"
            throw LiteralError(message: "expected \(what), found \(found)", offset: position, length: text[safe: position] == nil ? 0 : 1)
        }
        position += 1
    }

    mutating func type(depth: Int) throws(LiteralError) -> ValueType {
        skipSpaces()
        guard depth < 16 else { throw LiteralError(message: "the type nests too deeply", offset: position, length: 0) }
        let (name, start) = word()
        switch name {
        case "string": return .string
        case "int": return .int
        case "float": return .float
        case "bool": return .bool
        case "json": return .json
        case "file": return .file
        case "list":
            try expect("[", "\"[\" after list")
            let element = try type(depth: depth + 1)
            try expect("]", "\"]\" to close list[...]")
            return .list(element)
        case "table":
            try expect("(", "\"(\" after table")
            return .table(try columns())
        case "":
            let found = text[safe: position].map { String(Character($0)).literalQuoted } ?? "the end"
            throw LiteralError(message: "expected a type, found \(found)", offset: position, length: text[safe: position] == nil ? 0 : 1)
        default:
            let known = ValueType.scalarNames + ["list[T]", "table(col: type, ...)"]
            var message = "unknown type \(name.literalQuoted)"
            if let column = TableColumnType(rawValue: name), column != .string, column != .bool {
                message += "; \"\(column.rawValue)\" is a column type, for use inside table(...)"
            } else {
                message += "; expected one of " + known.joined(separator: ", ")
            }
            throw LiteralError(message: message, offset: start, length: name.unicodeScalars.count)
        }
    }

    mutating func columns() throws(LiteralError) -> [TableColumn] {
        var columns: [TableColumn] = []
        var seen: Set<String> = []
        skipSpaces()
        if text[safe: position] == ")" {
            throw LiteralError(message: "a table needs at least one column", offset: position, length: 1)
        }
        while true {
            skipSpaces()
            let (name, start) = word()
            guard !name.isEmpty else {
                let found = text[safe: position].map { String(Character($0)).literalQuoted } ?? "the end"
                throw LiteralError(message: "expected a column name, found \(found)", offset: position, length: text[safe: position] == nil ? 0 : 1)
            }
            guard seen.insert(name).inserted else {
                throw LiteralError(message: "column \(name.literalQuoted) is declared twice", offset: start, length: name.unicodeScalars.count)
            }
            try expect(":", "\":\" after column \(name.literalQuoted)")
            skipSpaces()
            let (typeName, typeStart) = word()
            guard let type = TableColumnType(rawValue: typeName) else {
                // The did-you-mean (`float` for `float64`) is the compiler's help line.
                let what = typeName.isEmpty ? "a column type" : "column type \(typeName.literalQuoted)"
                throw LiteralError(message: "unknown \(what) for \(name.literalQuoted); expected one of "
                                   + TableColumnType.allCases.map(\.rawValue).joined(separator: ", "),
                                   offset: typeStart, length: typeName.unicodeScalars.count)
            }
            columns.append(TableColumn(name: name, type: type))
            skipSpaces()
            switch text[safe: position] {
            case ",": position += 1
            case ")": position += 1; return columns
            case let other:
                let found = other.map { String(Character($0)).literalQuoted } ?? "the end"
                throw LiteralError(message: "expected \",\" or \")\" in table(...), found \(found)", offset: position, length: other == nil ? 0 : 1)
            }
        }
    }
}
