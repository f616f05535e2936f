/// The schema `sluice cat` gives a CSV or JSON-lines file, which declares
/// none: a CSV's columns are its header's names, every one a string (CSV has
/// no types); a JSON-lines file's columns are the first object's keys, typed
/// by its values (a whole number int64, another number float64, true/false
/// bool, anything else string). A later row that does not fit fails with its
/// line, as ingest would.
enum TextTableSchema {
    static func infer(path: String, format: TableIngest.InputFormat) throws -> TableSchema {
        let input = ChunkedInput(source: try FileByteSource(path: path))
        switch format {
        case .csv: return try csvSchema(input, path: path)
        case .jsonLines: return try jsonLinesSchema(input, path: path)
        case .arrow: throw ColumnarUsageError("an Arrow file carries its own schema")
        }
    }

    /// Stops reading once the first record has been seen.
    private struct Enough: Error {}

    private static func csvSchema(_ input: ChunkedInput, path: String) throws -> TableSchema {
        var tokenizer = CSVTokenizer()
        var names: [String]?
        do {
            try tokenizer.forEachRecord(in: input) { record in
                var header: [String] = []
                for index in 0..<record.fieldCount {
                    let (text, _) = record.field(index)
                    guard UTF8Validation.isValid(text) else {
                        throw IngestError(file: path, line: record.line, problem: "the header is not valid UTF-8")
                    }
                    header.append(String(decoding: text, as: UTF8.self))
                }
                names = header
                throw Enough()
            }
        } catch is Enough {
        } catch let syntax as CSVSyntaxError {
            throw IngestError(file: path, line: syntax.line, problem: syntax.problem)
        }
        guard let names else { throw IngestError(file: path, problem: "the file is empty; a header row naming the columns is needed") }
        return TableSchema(columns: names.map { TableColumn(name: $0, type: .string) })
    }

    private static func jsonLinesSchema(_ input: ChunkedInput, path: String) throws -> TableSchema {
        var columns: [TableColumn]?
        var line = 0
        do {
            try input.forEachWindow { window, atEnd in
                var consumed = 0
                while consumed < window.count {
                    guard let newline = window[consumed...].firstIndex(of: UInt8(ascii: "\n")) ?? (atEnd ? window.count : nil)
                    else { break }
                    line += 1
                    let range = consumed..<newline
                    consumed = min(newline + 1, window.count)
                    if window[range].allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                    var found: [TableColumn] = []
                    var parser = JSONLineParser(bytes: window, range: range)
                    do {
                        try parser.parseObject { key, token in
                            guard UTF8Validation.isValid(key) else {
                                throw IngestError(file: path, line: line, problem: "a key is not valid UTF-8")
                            }
                            found.append(TableColumn(name: String(decoding: key, as: UTF8.self), type: type(of: token, in: window)))
                        }
                    } catch let syntax as JSONSyntaxError {
                        throw IngestError(file: path, line: line, row: 1, problem: "invalid JSON: \(syntax.problem)")
                    }
                    columns = found
                    throw Enough()
                }
                return consumed
            }
        } catch is Enough {}
        guard let columns else { throw IngestError(file: path, problem: "the file holds no JSON object") }
        return TableSchema(columns: columns)
    }

    private static func type(of token: JSONToken, in bytes: UnsafeMutableBufferPointer<UInt8>) -> ColumnType {
        switch token {
        case .bool: return .bool
        case .number(let range):
            let isWhole = bytes[range].allSatisfy { $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) }
            return isWhole ? .int64 : .float64
        case .null, .string, .nested: return .string
        }
    }
}
