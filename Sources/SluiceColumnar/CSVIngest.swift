/// Reads CSV with a header row into record batches, checking every cell
/// against the declared schema. Header columns may come in any order; they
/// are matched to the schema by name.
///
/// Records are tokenized in order and gathered into blocks (never across a
/// batch boundary or an input window); each block's columns are then
/// converted in parallel, one column per task. Errors are still reported for
/// the first bad cell in reading order.
struct CSVIngest {
    let file: String
    let schema: TableSchema

    func run(input: ChunkedInput, into batches: inout BatchAssembler) throws {
        var tokenizer = CSVTokenizer()
        var order: [Int]?
        var block = CSVBlock()
        var rowsBefore = 0
        do {
            try tokenizer.forEachRecord(in: input, { record in
                guard let fieldOrder = order else {
                    order = try readHeader(record)
                    block.fieldCount = order?.count ?? 0
                    return
                }
                try checkFieldCount(record, row: rowsBefore + block.rowCount + 1, expected: fieldOrder.count, pending: &block,
                                    order: fieldOrder, batches: &batches, rowsBefore: &rowsBefore)
                block.append(record)
                if batches.builder.rowCount + block.rowCount >= batches.rowsPerBatch {
                    try convert(&block, order: fieldOrder, into: &batches, rowsBefore: &rowsBefore)
                }
            }, endOfWindow: {
                if let fieldOrder = order { try convert(&block, order: fieldOrder, into: &batches, rowsBefore: &rowsBefore) }
            })
        } catch let syntax as CSVSyntaxError {
            throw IngestError(file: file, line: syntax.line, row: order == nil ? nil : rowsBefore + 1, problem: syntax.problem)
        }
        if order == nil { throw IngestError(file: file, problem: "the file is empty; a header row naming the columns is needed") }
    }

    private func readHeader(_ record: CSVRecord) throws -> [Int] {
        var names: [String] = []
        for index in 0..<record.fieldCount {
            let (text, _) = record.field(index)
            guard UTF8Validation.isValid(text) else {
                throw IngestError(file: file, line: record.line, problem: "the header is not valid UTF-8")
            }
            names.append(String(decoding: text, as: UTF8.self))
        }
        return try HeaderMatcher(file: file, line: record.line, schema: schema).fieldOrder(header: names)
    }

    /// A ragged record: rows before it are converted first, so an earlier bad
    /// cell is still the error reported.
    private func checkFieldCount(
        _ record: CSVRecord, row: Int, expected: Int, pending block: inout CSVBlock, order: [Int],
        batches: inout BatchAssembler, rowsBefore: inout Int
    ) throws {
        guard record.fieldCount != expected else { return }
        try convert(&block, order: order, into: &batches, rowsBefore: &rowsBefore)
        let location = RecordLocation(file: file, line: record.line, row: row)
        let blank = record.fieldCount == 1 && record.field(0).text.isEmpty && !record.field(0).quoted
        throw location.error(blank ? "a blank line, but the header has \(expected) fields"
                                   : "\(record.fieldCount) fields, but the header has \(expected)")
    }

    private func convert(_ block: inout CSVBlock, order: [Int], into batches: inout BatchAssembler, rowsBefore: inout Int) throws {
        guard block.rowCount > 0 else { return }
        if let failure = block.convert(into: &batches.builder, order: order, schema: schema) {
            let location = RecordLocation(file: file, line: block.lines[failure.row], row: rowsBefore + failure.row + 1)
            throw location.badValue(failure.text, column: schema.columns[failure.column], reason: failure.reason)
        }
        try batches.rowsDone(block.rowCount)
        rowsBefore += block.rowCount
        block.removeAll()
    }
}
