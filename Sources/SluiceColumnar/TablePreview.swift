import SluiceBasics

/// The first rows of a table as one JSON document, for the UI's table
/// previews: `{"version":1,"columns":[{"name","type"}],"rows":[[…]],"total_rows":N}`.
/// The table is opened as `sluice cat` opens it (`TablePrinter.openTable`) and
/// each cell written as `cat --format json` writes it (`CellText.json`), so a
/// preview and `cat` never disagree; past `head` rows are only counted.
public enum TablePreview {
    public static func json(path: String, head: Int) throws -> [UInt8] {
        let reader = try TablePrinter.openTable(path)
        let columns = reader.schema.columns.map { "{\"name\":\(JSONString.quoted($0.name)),\"type\":\"\($0.type)\"}" }
        var rows: [String] = []
        var remaining = max(0, head)
        var total = 0
        while let batch = try reader.nextBatch() {
            total += batch.rowCount
            let take = min(batch.rowCount, remaining)
            for row in 0..<take { rows.append("[" + batch.row(row).map(CellText.json).joined(separator: ",") + "]") }
            remaining -= take
        }
        let text = "{\"version\":1,\"columns\":[" + columns.joined(separator: ",") + "],\"rows\":[" + rows.joined(separator: ",")
            + "],\"total_rows\":\(total)}\n"
        return Array(text.utf8)
    }
}
