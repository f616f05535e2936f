/// A grid of terminal cells that boxes and connector lines are drawn on.
/// Lines are recorded per cell as which net (one source's fan-out, or one
/// merge into a target) crosses it horizontally and vertically, and only
/// turned into characters at the end: a cell both of whose lines belong to
/// the same net is a junction `+`; lines of two different nets cross as `|`,
/// so a crossing can never be mistaken for a connection.
struct ASCIICanvas {
    private struct Cell {
        var glyph: Character?
        /// The second column of a wide character: prints nothing.
        var continuation = false
        var horizontal: Int?
        var vertical: Int?
    }

    let width: Int
    private(set) var height = 0
    private var cells: [Cell] = []

    init(width: Int) { self.width = max(width, 1) }

    private mutating func ensureRows(_ rows: Int) {
        guard rows > height else { return }
        cells += Array(repeating: Cell(), count: (rows - height) * width)
        height = rows
    }

    private mutating func update(_ x: Int, _ y: Int, _ change: (inout Cell) -> Void) {
        guard x >= 0, x < width, y >= 0 else { return }
        ensureRows(y + 1)
        change(&cells[y * width + x])
    }

    /// Writes text from column `x`; wide characters take two columns.
    mutating func text(_ string: String, x: Int, y: Int) {
        var column = x
        for character in string {
            let w = DisplayWidth.of(character)
            update(column, y) { $0.glyph = character; $0.continuation = false }
            if w == 2 { update(column + 1, y) { $0.continuation = true } }
            column += w
        }
    }

    mutating func glyph(_ character: Character, x: Int, y: Int) {
        update(x, y) { $0.glyph = character }
    }

    mutating func horizontal(net: Int, from x0: Int, to x1: Int, y: Int) {
        for x in min(x0, x1)...max(x0, x1) { update(x, y) { $0.horizontal = net } }
    }

    mutating func vertical(net: Int, x: Int, from y0: Int, to y1: Int) {
        guard y0 <= y1 else { return }
        for y in y0...y1 { update(x, y) { $0.vertical = net } }
    }

    /// The drawing, one string per row, trailing blanks trimmed.
    func rows() -> [String] {
        (0..<height).map { y in
            var line = ""
            for x in 0..<width {
                let cell = cells[y * width + x]
                if cell.continuation { continue }
                line.append(Self.character(cell))
            }
            while line.last == " " { line.removeLast() }
            return line
        }
    }

    private static func character(_ cell: Cell) -> Character {
        if let glyph = cell.glyph { return glyph }
        switch (cell.horizontal, cell.vertical) {
        case let (h?, v?): return h == v ? "+" : "|"
        case (_?, nil): return "-"
        case (nil, _?): return "|"
        case (nil, nil): return " "
        }
    }
}

/// How many terminal columns text takes: East Asian wide and emoji
/// characters take two. Spec names are ASCII; this keeps hand-edited plans
/// with other names aligned rather than exact for every script.
enum DisplayWidth {
    static func of(_ character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
             0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    static func of(_ string: String) -> Int {
        if string.utf8.allSatisfy({ $0 < 0x80 }) { return string.utf8.count }
        return string.reduce(0) { $0 + of($1) }
    }
}
