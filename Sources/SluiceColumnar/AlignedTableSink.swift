/// The human format of `sluice cat`: aligned columns (wide characters count
/// as two), numbers right-aligned, nulls shown as `null`. Widths come from the
/// header and the first page of rows, so output starts at once and memory
/// stays bounded; a later cell wider than its column is shortened with `…`.
final class AlignedTableSink: RowSink {
    private let output: TextOutput
    private var columns: [TableColumn] = []
    private var page: [[String]] = []
    private var widths: [Int]?

    static let pageSize = 1000
    static let maximumWidth = 40

    init(output: TextOutput) {
        self.output = output
    }

    func begin(_ schema: TableSchema) throws {
        columns = schema.columns
    }

    func row(_ values: [ColumnValue]) throws {
        let cells = values.map(CellText.display)
        if let widths {
            try writeLine(cells, widths: widths)
        } else {
            page.append(cells)
            if page.count >= Self.pageSize { try flushPage() }
        }
    }

    func end(rowsPrinted: Int, total: Int?) throws {
        if widths == nil { try flushPage() }
        if let total {
            try output.write("(first \(rowsPrinted) of \(total) rows)\n")
        } else {
            try output.write("(\(rowsPrinted) \(rowsPrinted == 1 ? "row" : "rows"))\n")
        }
    }

    private func flushPage() throws {
        let header = columns.map { "\($0.name) (\($0.type))" }
        let measured = header.indices.map { index in
            page.reduce(Self.width(header[index])) { max($0, Self.width($1[index])) }
        }
        let widths = measured.map { min($0, Self.maximumWidth) }
        self.widths = widths
        try writeLine(header, widths: widths, header: true)
        try output.write(widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ") + "\n")
        for cells in page { try writeLine(cells, widths: widths) }
        page.removeAll()
    }

    private func writeLine(_ cells: [String], widths: [Int], header: Bool = false) throws {
        let padded = cells.indices.map { index -> String in
            let cell = Self.fit(cells[index], width: widths[index])
            let padding = String(repeating: " ", count: max(0, widths[index] - Self.width(cell)))
            let isNumber = !header && (columns[index].type == .int64 || columns[index].type == .float64)
            return isNumber ? padding + cell : cell + padding
        }
        try output.write(Self.trimmingTrailingSpaces(padded.joined(separator: "  ")) + "\n")
    }

    /// Shortens `text` to `width` terminal columns, marking the cut with `…`.
    static func fit(_ text: String, width limit: Int) -> String {
        guard width(text) > limit else { return text }
        var kept = ""
        var used = 0
        for character in text {
            let next = width(of: character)
            if used + next > limit - 1 { break }
            kept.append(character)
            used += next
        }
        return kept + "…"
    }

    /// Terminal columns `text` takes: East Asian wide characters and emoji take two.
    static func width(_ text: String) -> Int {
        text.reduce(0) { $0 + width(of: $1) }
    }

    private static func width(of character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first?.value else { return 0 }
        return wideRanges.contains { $0.contains(scalar) } ? 2 : 1
    }

    /// East Asian Wide/Fullwidth blocks and the common emoji blocks.
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
        0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
        0x1F900...0x1F9FF, 0x20000...0x3FFFD,
    ]

    private static func trimmingTrailingSpaces(_ line: String) -> String {
        var line = line
        while line.last == " " { line.removeLast() }
        return line
    }
}
