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

    private func block(_ diagnostic: Diagnostic, sourceLine: ArraySlice<Unicode.Scalar>?) -> String {
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

    /// Scalars of a long line shown before the underlined part, and the
    /// most of the underlined part itself shown, when a line is cut.
    static let contextBefore = 60, longestUnderline = 160, contextAfter = 60

    private func snippet(_ sourceLine: ArraySlice<Unicode.Scalar>, diagnostic: Diagnostic, gutter: String) -> String {
        let range = diagnostic.range
        let count = sourceLine.count
        let firstInLine = min(max(range.start.column - 1, 0), count)
        let lastInLine = range.end.line == range.start.line ? min(max(range.end.column - 1, firstInLine), count) : count
        // A long line is shown cut around the underlined part, marked with
        // "…": printing all of a 100 KB line for each of its diagnostics made
        // the report grow with the square of the line.
        let (line, first, last) = Self.window(sourceLine, first: firstInLine, last: lastInLine)
        let layout = LineLayout(line, tabWidth: tabWidth)
        let from = layout.cells[first], width = max(1, layout.cells[last] - from)
        let bar = paint(gutter + " |", ANSI.gutter)
        let number = paint("\(range.start.line) |", ANSI.gutter)
        return bar + "\n"
            + number + (layout.text.isEmpty ? "" : " " + layout.text) + "\n"
            + bar + " " + String(repeating: " ", count: from)
            + paint(String(repeating: "^", count: width), ANSI.severity(diagnostic.severity)) + "\n"
    }

    /// The part of `line` to print, and the underlined columns in it.
    static func window(_ line: ArraySlice<Unicode.Scalar>, first: Int, last: Int) -> (line: [Unicode.Scalar], first: Int, last: Int) {
        let limit = contextBefore + longestUnderline + contextAfter
        guard line.count > limit else { return (Array(line), first, last) }
        let shownLast = min(last, first + longestUnderline)
        let from = max(0, first - contextBefore), to = min(line.count, max(shownLast, first + 1) + contextAfter)
        let base = line.startIndex
        var cut = Array(line[(base + from)..<(base + to)])
        var shift = -from
        if from > 0 {
            cut.insert("…", at: 0)
            shift += 1
        }
        if to < line.count { cut.append("…") }
        return (cut, first + shift, shownLast + shift)
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
