/// Matches a header (or a JSON object's keys) against the schema and names
/// every missing, unexpected or repeated column.
struct HeaderMatcher {
    let file: String
    /// Nil for an Arrow file, whose column names have no line.
    let line: Int?
    let schema: TableSchema
    var row: Int?

    init(file: String, line: Int?, schema: TableSchema, row: Int? = nil) {
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
            throw IngestError(file: file, line: line, row: row, parts: mismatchMessage(missing: missing, unexpected: unexpected))
        }
        return schema.names.compactMap { positions[$0] }
    }

    /// Names from the data stay separate parts: a header may hold anything, a secret too.
    private func mismatchMessage(missing: [String], unexpected: [String]) -> [IngestError.ProblemPart] {
        func list(_ names: [String]) -> [IngestError.ProblemPart] {
            names.enumerated().flatMap { i, name -> [IngestError.ProblemPart] in
                i == 0 ? [.quoted(name)] : [.text(", "), .quoted(name)]
            }
        }
        var parts: [IngestError.ProblemPart] = []
        if !missing.isEmpty { parts += [.text("missing column\(missing.count > 1 ? "s" : "") ")] + list(missing) }
        if !unexpected.isEmpty {
            if !parts.isEmpty { parts.append(.text("; ")) }
            parts += [.text("unexpected column\(unexpected.count > 1 ? "s" : "") ")] + list(unexpected)
        }
        return parts + [.text(" (the table declares ")] + list(schema.names) + [.text(")")]
    }
}
