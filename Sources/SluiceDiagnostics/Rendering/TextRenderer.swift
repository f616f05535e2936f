/// Renders diagnostics for people, rustc style:
///
/// ```
/// pipelines/x.yaml:12:13: error[unknown-task]: task "report" needs "lod", which is not a task of pipeline "daily"
///    |
/// 12 |     needs: [lod]
///    |             ^^^
///    = help: did you mean "load"?
/// ```
///
/// The underline spans the range (to the end of the first line when the range
/// spans several); a zero-width range gets one `^`. Tabs are expanded to tab
/// stops and wide characters count two cells, so the carets stay under the
/// token. Control and bidi characters from the file are shown as U+FFFD.
/// Colour is applied apart from layout and only when `useColor` is set: the
/// CLI decides (TTY, `NO_COLOR`), never the renderer.
public struct TextRenderer: Sendable {
    public var useColor: Bool
    /// Cells between tab stops when a source line contains tabs.
    public var tabWidth: Int

    public init(useColor: Bool = false, tabWidth: Int = 4) {
        self.useColor = useColor
        self.tabWidth = max(1, tabWidth)
    }

    /// Every diagnostic (normalised: sorted, de-duplicated) as a block,
    /// blocks separated by blank lines. `source` gives a file's text, or nil
    /// when it cannot be read (the block then has no snippet); it is called at
    /// most once per file.
    public func render(_ diagnostics: [Diagnostic], source: (String) -> String?) -> String {
        var cache = SourceCache()
        var out = ""
        for (index, diagnostic) in DiagnosticSink.normalize(diagnostics).enumerated() {
            if index > 0 { out += "\n" }
            let line = cache.line(diagnostic.range.start.line, of: diagnostic.file, source: source)
            out += block(diagnostic, sourceLine: line)
        }
        return out
    }

    /// The closing line, e.g. `2 errors, 1 warning in 3 files` (bold in colour).
    public func summary(_ summary: LintSummary) -> String {
        paint(summary.line, ANSI.bold) + "\n"
    }

    private func block(_ diagnostic: Diagnostic, sourceLine: [Unicode.Scalar]?) -> String {
        let gutter = String(repeating: " ", count: String(max(1, diagnostic.range.start.line)).count)
        var out = header(diagnostic)
        if let sourceLine {
            out += snippet(sourceLine, diagnostic: diagnostic, gutter: gutter)
        }
        for note in diagnostic.notes {
            out += trailer("note", note, gutter: gutter)
        }
        if let help = diagnostic.help {
            out += trailer("help", help, gutter: gutter)
        }
        return out
    }

    /// `file:line:col: error[rule]: message` (no position when the line is unknown).
    private func header(_ diagnostic: Diagnostic) -> String {
        let start = diagnostic.range.start
        let position = start.line >= 1 ? ":\(start.line):\(max(1, start.column))" : ""
        let label = "\(diagnostic.severity.rawValue)[\(diagnostic.rule.id)]"
        return TerminalText.sanitized(diagnostic.file) + position + ": "
            + paint(label, ANSI.severity(diagnostic.severity))
            + paint(": " + TerminalText.sanitized(diagnostic.message), ANSI.bold) + "\n"
    }

    private func snippet(_ line: [Unicode.Scalar], diagnostic: Diagnostic, gutter: String) -> String {
        let layout = LineLayout(line, tabWidth: tabWidth)
        let range = diagnostic.range
        let first = min(max(range.start.column - 1, 0), line.count)
        let last = range.end.line == range.start.line ? min(max(range.end.column - 1, first), line.count) : line.count
        let from = layout.cells[first], width = max(1, layout.cells[last] - from)
        let bar = paint(gutter + " |", ANSI.gutter)
        let number = paint("\(range.start.line) |", ANSI.gutter)
        return bar + "\n"
            + number + (layout.text.isEmpty ? "" : " " + layout.text) + "\n"
            + bar + " " + String(repeating: " ", count: from)
            + paint(String(repeating: "^", count: width), ANSI.severity(diagnostic.severity)) + "\n"
    }

    /// `   = note: text` / `   = help: text`.
    private func trailer(_ kind: String, _ text: String, gutter: String) -> String {
        paint(gutter + " =", ANSI.gutter) + " " + paint(kind + ":", ANSI.bold) + " " + TerminalText.sanitized(text) + "\n"
    }

    private func paint(_ text: String, _ code: String) -> String {
        useColor ? code + text + ANSI.reset : text
    }
}

/// A source line as displayed: tabs expanded, unsafe characters replaced,
/// and for each scalar index (plus one past the end) the display cell where
/// that scalar starts, so a column range maps straight to caret positions.
struct LineLayout {
    var text = ""
    var cells: [Int]

    init(_ scalars: [Unicode.Scalar], tabWidth: Int) {
        cells = [0]
        cells.reserveCapacity(scalars.count + 1)
        var cell = 0
        for scalar in scalars {
            if scalar == "\t" {
                let stop = (cell / tabWidth + 1) * tabWidth
                text += String(repeating: " ", count: stop - cell)
                cell = stop
            } else {
                text.unicodeScalars.append(TerminalText.visible(scalar))
                cell += TerminalText.width(scalar)
            }
            cells.append(cell)
        }
    }
}

/// The few SGR sequences the text renderer uses.
enum ANSI {
    static let reset = "\u{1B}[0m"
    static let bold = "\u{1B}[1m"
    static let gutter = "\u{1B}[1;34m"

    static func severity(_ severity: Severity) -> String {
        switch severity {
        case .error: "\u{1B}[1;31m"
        case .warning: "\u{1B}[1;33m"
        case .note: "\u{1B}[1;36m"
        }
    }
}
