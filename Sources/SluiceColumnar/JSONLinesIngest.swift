/// Reads JSON lines (one flat object per line, keys = column names) into a
/// target. Blank lines are skipped. `null` is null; strings go through the
/// CSV text conventions, so `"2024-01-31"` fills a date column and `"NaN"` a
/// float64 one; numbers fill int64/float64 columns, 0/1 and true/false bool.
struct JSONLinesIngest {
    let file: String
    let schema: TableSchema
    private let names: [[UInt8]]

    init(file: String, schema: TableSchema) {
        self.file = file
        self.schema = schema
        names = schema.names.map { Array($0.utf8) }
    }

    func run(input: ChunkedInput, into batches: inout BatchAssembler) throws {
        var line = 0
        var row = 0
        try input.forEachWindow { window, atEnd in
            var consumed = 0
            while consumed < window.count {
                guard let newline = window[consumed...].firstIndex(of: UInt8(ascii: "\n")) ?? (atEnd ? window.count : nil)
                else { break }
                line += 1
                if !isBlank(window, consumed..<newline) {
                    row += 1
                    let location = RecordLocation(file: file, line: line, row: row)
                    try convertLine(window, consumed..<newline, location: location, into: &batches)
                }
                consumed = min(newline + 1, window.count)
            }
            return consumed
        }
    }

    private func isBlank(_ bytes: UnsafeMutableBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        bytes[range].allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    private func convertLine(
        _ bytes: UnsafeMutableBufferPointer<UInt8>, _ range: Range<Int>, location: RecordLocation, into batches: inout BatchAssembler
    ) throws {
        var seen = [Bool](repeating: false, count: names.count)
        var unknown: [String] = []
        var parser = JSONLineParser(bytes: bytes, range: range)
        do {
            try parser.parseObject { key, token in
                guard let index = columnIndex(of: key) else {
                    unknown.append(String(decoding: key, as: UTF8.self))
                    return
                }
                guard !seen[index] else { throw location.error("the key appears twice", column: schema.columns[index].name) }
                seen[index] = true
                try append(token, bytes: bytes, column: index, location: location, into: &batches.builder)
            }
        } catch let syntax as JSONSyntaxError {
            throw location.error("invalid JSON: \(syntax.problem)")
        }
        let missing = zip(schema.names, seen).filter { !$0.1 }.map(\.0)
        if !missing.isEmpty || !unknown.isEmpty {
            _ = try HeaderMatcher(file: file, line: location.line, schema: schema, row: location.row)
                .fieldOrder(header: schema.names.filter { !missing.contains($0) } + unknown)
        }
        try batches.rowDone()
    }

    private func append(
        _ token: JSONToken, bytes: UnsafeMutableBufferPointer<UInt8>, column index: Int,
        location: RecordLocation, into builder: inout RecordBatchBuilder
    ) throws {
        let column = schema.columns[index]
        let text: Range<Int>
        switch token {
        case .null:
            builder.columns[index].appendNull()
            return
        case .nested(let kind):
            throw location.badValue(kind, column: column)
        case .bool(let value):
            guard column.type == .bool else { throw location.badValue(value ? "true" : "false", column: column) }
            builder.columns[index].appendBool(value)
            return
        case .number(let range):
            guard column.type == .int64 || column.type == .float64 || column.type == .bool else {
                throw location.badValue(String(decoding: bytes[range], as: UTF8.self), column: column, reason: "a number")
            }
            text = range
        case .string(let range):
            text = range
        }
        let cell = UnsafeBufferPointer(rebasing: bytes[text])
        if let failure = CellConverter.append(cell, to: &builder.columns[index]) {
            throw location.badValue(String(decoding: cell, as: UTF8.self), column: column, reason: failure.reason)
        }
    }

    private func columnIndex(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        names.firstIndex { $0.elementsEqual(key) }
    }
}
