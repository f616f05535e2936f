/// Matches a header (or a JSON object's keys) against the schema and names
/// every missing, unexpected or repeated column.
struct HeaderMatcher {
    let file: String
    let line: Int
    let schema: TableSchema
    var row: Int?

    init(file: String, line: Int, schema: TableSchema, row: Int? = nil) {
        self.file = file
        self.line = line
        self.schema = schema
        self.row = row
    }

    /// For each schema column, the position of its name in `header`.
    func fieldOrder(header: [String]) throws -> [Int] {
        var positions: [String: Int] = [:]
        for (index, name) in header.enumerated() where positions.updateValue(index, forKey: name) != nil {
            throw IngestError(file: file, line: line, row: row, column: name, problem: "the column appears twice")
        }
        let missing = schema.names.filter { positions[$0] == nil }
        let unexpected = header.filter { name in !schema.columns.contains { $0.name == name } }
        guard missing.isEmpty && unexpected.isEmpty else {
            throw IngestError(file: file, line: line, row: row, problem: mismatchMessage(missing: missing, unexpected: unexpected))
        }
        return schema.names.compactMap { positions[$0] }
    }

    private func mismatchMessage(missing: [String], unexpected: [String]) -> String {
        func list(_ names: [String]) -> String { names.map { IngestError.quoted($0) }.joined(separator: ", ") }
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing column\(missing.count > 1 ? "s" : "") \(list(missing))") }
        if !unexpected.isEmpty { parts.append("unexpected column\(unexpected.count > 1 ? "s" : "") \(list(unexpected))") }
        return parts.joined(separator: "; ") + " (the table declares \(list(schema.names)))"
    }
}
