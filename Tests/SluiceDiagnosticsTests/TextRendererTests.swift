import Foundation
import Testing
@testable import SluiceDiagnostics

@Suite("TextRenderer")
struct TextRendererTests {
    let yaml = """
        pipeline: daily
        tasks:
          report:
            needs: [lod]
        """

    func render(_ diagnostics: [Diagnostic], source: String?, color: Bool = false) -> String {
        TextRenderer(useColor: color).render(diagnostics) { _ in source }
    }

    @Test func rendersSnippetNotesAndHelp() {
        let d = diagnostic((4, 13), (4, 16), message: #"task "report" needs "lod", which is not a task of pipeline "daily""#,
                           notes: ["tasks are: load, report"], help: #"did you mean "load"?"#)
        #expect(render([d], source: yaml) == """
            pipelines/x.yaml:4:13: error[unknown-task]: task "report" needs "lod", which is not a task of pipeline "daily"
              |
            4 |     needs: [lod]
              |             ^^^
              = note: tasks are: load, report
              = help: did you mean "load"?

            """)
    }

    @Test func gutterWidensWithTheLineNumber() {
        let source = String(repeating: "\n", count: 11) + "    needs: [lod]\n"
        let d = diagnostic((12, 13), (12, 16), message: "m", help: "h")
        #expect(render([d], source: source) == """
            pipelines/x.yaml:12:13: error[unknown-task]: m
               |
            12 |     needs: [lod]
               |             ^^^
               = help: h

            """)
    }

    /// The caret line: gutter, then `cells` spaces, then `count` carets.
    func carets(at cells: Int, _ count: Int) -> String {
        "  | " + String(repeating: " ", count: cells) + String(repeating: "^", count: count) + "\n"
    }

    @Test func caretsStayUnderTokensAfterWideAndCombiningCharacters() {
        // é is e + U+0301 (2 scalars, 1 cell); 日本 are 2 cells each; ☕ is an emoji (2 cells).
        let source = "x: \"e\u{301}日本☕\" lod"
        let d = diagnostic((1, 12), (1, 15), severity: .warning, message: "m")
        #expect(render([d], source: source) == """
            pipelines/x.yaml:1:12: warning[unknown-task]: m
              |
            1 | x: "e\u{301}日本☕" lod

            """ + carets(at: 13, 3))
        let wide = diagnostic((1, 7), (1, 9), message: "m")
        #expect(render([wide], source: source).hasSuffix(carets(at: 5, 4)))
        let emoji = diagnostic((1, 9), (1, 10), message: "m")
        #expect(render([emoji], source: source).hasSuffix(carets(at: 9, 2)))
    }

    @Test func tabsExpandToTabStops() {
        let source = "\tneeds:\t[lod]"
        let d = diagnostic((1, 10), (1, 13), message: "m")
        #expect(render([d], source: source) == """
            pipelines/x.yaml:1:10: error[unknown-task]: m
              |
            1 |     needs:  [lod]

            """ + carets(at: 13, 3))
        let tab = diagnostic((1, 8), (1, 9), message: "m")
        #expect(render([tab], source: source).hasSuffix(carets(at: 10, 2)))
        let eight = TextRenderer(tabWidth: 8).render([d]) { _ in source }
        #expect(eight.hasSuffix("1 |         needs:  [lod]\n" + carets(at: 17, 3)))
    }

    @Test func zeroWidthRangeGetsOneCaret() {
        let d = diagnostic((2, 7), (2, 7), rule: .missingKey, message: "m")
        #expect(render([d], source: yaml).hasSuffix("2 | tasks:\n  |       ^\n"))
    }

    @Test func multiLineRangeIsUnderlinedToTheEndOfItsFirstLine() {
        let d = diagnostic((3, 3), (4, 17), rule: .cycle, message: "m")
        #expect(render([d], source: yaml).hasSuffix("3 |   report:\n  |   ^^^^^^^\n"))
    }

    @Test func positionPastTheEndOfTheLinePointsJustAfterIt() {
        let d = diagnostic((2, 40), (2, 41), rule: .invalidValue, message: "m")
        #expect(render([d], source: yaml).hasSuffix("2 | tasks:\n  |       ^\n"))
    }

    @Test func missingSourceOrLineGivesHeaderAndNotesOnly() {
        let d = diagnostic((9, 1), (9, 2), message: "m", help: "h")
        let expected = "pipelines/x.yaml:9:1: error[unknown-task]: m\n  = help: h\n"
        #expect(render([d], source: nil) == expected)
        #expect(render([d], source: yaml) == expected)
        let unknown = diagnostic((0, 0), (0, 0), rule: .yamlSyntax, message: "m")
        #expect(render([unknown], source: yaml) == "pipelines/x.yaml: error[yaml-syntax]: m\n")
    }

    @Test func lineBreaksFollowLibyaml() {
        let source = "a: 1\r\nb: 2\rc: 3\u{2028}d: 4"
        let d = diagnostic((4, 1), (4, 2), rule: .unknownKey, message: "m")
        #expect(render([d], source: source).contains("4 | d: 4\n"))
        let crlf = diagnostic((1, 1), (1, 2), rule: .unknownKey, message: "m")
        #expect(!render([crlf], source: source).contains("\r"))
    }

    @Test func controlAndBidiCharactersAreNeutralised() {
        let source = "x: \u{1B}[31mred\u{202E}txt"
        let d = diagnostic((1, 4), (1, 5), message: "bad \u{1B}[2J")
        let out = render([d], source: source)
        #expect(!out.contains("\u{1B}") && !out.contains("\u{202E}"))
        #expect(out.contains("1 | x: \u{FFFD}[31mred\u{FFFD}txt\n  |    ^\n"))
    }

    @Test func colourWrapsLabelsGutterAndCarets() {
        let d = diagnostic((2, 1), (2, 6), severity: .warning, message: "m", notes: ["n"])
        let esc = "\u{1B}["
        #expect(render([d], source: yaml, color: true) == """
            pipelines/x.yaml:2:1: \(esc)1;33mwarning[unknown-task]\(esc)0m\(esc)1m: m\(esc)0m
            \(esc)1;34m  |\(esc)0m
            \(esc)1;34m2 |\(esc)0m tasks:
            \(esc)1;34m  |\(esc)0m \(esc)1;33m^^^^^\(esc)0m
            \(esc)1;34m  =\(esc)0m \(esc)1mnote:\(esc)0m n

            """)
        #expect(!render([d], source: yaml, color: false).contains(esc))
        let error = diagnostic((2, 1), (2, 6), message: "m")
        #expect(render([error], source: yaml, color: true).contains("\(esc)1;31merror[unknown-task]\(esc)0m"))
    }

    @Test func blocksAreSortedDeduplicatedAndSeparated() {
        let late = diagnostic((4, 13), (4, 16), message: "late")
        let early = diagnostic((2, 1), (2, 6), rule: .unknownKey, message: "early")
        let out = render([late, early, late], source: nil)
        #expect(out == """
            pipelines/x.yaml:2:1: error[unknown-key]: early

            pipelines/x.yaml:4:13: error[unknown-task]: late

            """)
    }

    @Test(arguments: [
        (LintSummary(files: 5), "no problems in 5 files"),
        (LintSummary(files: 1, errors: 1), "1 error in 1 file"),
        (LintSummary(files: 3, errors: 2, warnings: 1), "2 errors, 1 warning in 3 files"),
        (LintSummary(files: 2, warnings: 2, notes: 1), "2 warnings, 1 note in 2 files"),
    ])
    func summaryLine(summary: LintSummary, line: String) {
        #expect(summary.line == line)
        #expect(TextRenderer().summary(summary) == line + "\n")
        #expect(TextRenderer(useColor: true).summary(summary) == "\u{1B}[1m\(line)\u{1B}[0m\n")
    }

    @Test func summaryCountsBySeverity() {
        let ds = [diagnostic((1, 1), (1, 2)), diagnostic((2, 1), (2, 2), rule: .unusedOutput),
                  diagnostic((3, 1), (3, 2), severity: .note)]
        #expect(LintSummary(diagnostics: ds, files: 3) == LintSummary(files: 3, errors: 1, warnings: 1, notes: 1))
    }

    /// 10,000 diagnostics in one 10,000-line file: the file is read once, and
    /// every diagnostic gets its own snippet. (Speed is measured by
    /// scripts/bench-lint, not here: a timed unit test fails on a busy machine.)
    @Test func manyDiagnosticsReadTheFileOnce() {
        let source = (1...10_000).map { "  task_\($0): { needs: [missing] }" }.joined(separator: "\n")
        let ds = (1...10_000).map { index in
            let line = (index * 7919) % 10_000 + 1
            return diagnostic((line, 22), (line, 29), message: "m\(index)")
        }
        var reads = 0
        let out = TextRenderer().render(ds) { _ in reads += 1; return source }
        #expect(out.components(separatedBy: "^^^^^^^").count == 10_001)
        #expect(reads == 1)
    }
}
