import Foundation
import SluiceCompiler
import SluiceDiagnostics
import Testing

/// Inline `# sluice: ignore[...]` comments and `ignoring:` (`lint --ignore`),
/// through `Linter.lint` on specs held in memory.
struct SuppressionTests {
    static func lint(_ text: String, ignoring: Set<Rule> = []) -> [Diagnostic] {
        Linter.lint([SpecSource(path: "p.yaml", text: text)], files: NoFiles(), ignoring: ignoring).diagnostics
    }

    static func spec(outputsLine suffix: String = "", above: String? = nil) -> String {
        var lines = [
            "pipeline: p", "tasks:", "  extract:", "    run: python3 extract.py",
            "    outputs: { rows: int, max_day: string }" + suffix,
            "  load:", "    needs: [extract]", "    run: python3 load.py {{ extract.rows }}",
        ]
        if let above { lines.insert(above, at: 4) }
        return lines.joined(separator: "\n") + "\n"
    }

    static func rendered(_ diagnostics: [Diagnostic]) -> [String] {
        diagnostics.map { "\($0.range.start.line):\($0.range.start.column)-\($0.range.end.column) \($0.rule.id) \($0.message)" }
    }

    @Test func theUnsuppressedSpecWarns() {
        #expect(Self.rendered(Self.lint(Self.spec())) == [
            "5:27-34 unused-output output \"max_day\" of task \"extract\" is never read by its downstream tasks",
        ])
    }

    @Test func trailingCommentSilencesItsLine() {
        #expect(Self.lint(Self.spec(outputsLine: "  # sluice: ignore[unused-output]")).isEmpty)
        #expect(Self.lint(Self.spec(outputsLine: " #sluice:ignore[ unused-output ]")).isEmpty)
    }

    @Test func commentAloneSilencesTheNextLineOfYAML() {
        #expect(Self.lint(Self.spec(above: "    # sluice: ignore[unused-output]")).isEmpty)
        // Blank lines and other comments in between are skipped; suppressions stack.
        let stacked = Self.spec(above: "    # sluice: ignore[unused-output]\n\n    # why: kept for the dashboard")
        #expect(Self.lint(stacked).isEmpty)
    }

    @Test func listsSeveralRules() {
        let text = Self.spec(outputsLine: "  # sluice: ignore[secret-in-plain-text, unused-output]")
        #expect(Self.rendered(Self.lint(text)) == [
            "5:63-83 unused-suppression suppression of \"secret-in-plain-text\" silences nothing: line 5 has no \"secret-in-plain-text\" warning",
        ])
    }

    @Test func aSuppressionOnAnotherLineDoesNotApply() {
        let text = Self.spec().replacingOccurrences(of: "run: python3 extract.py", with: "run: python3 extract.py  # sluice: ignore[unused-output]")
        let found = Self.rendered(Self.lint(text))
        #expect(found.count == 2)
        #expect(found.contains { $0.hasPrefix("5:27-34 unused-output") })
        #expect(found.contains { $0.hasPrefix("4:47-60 unused-suppression suppression of \"unused-output\" silences nothing: line 4 has no") })
    }

    @Test func unknownRuleGetsADidYouMean() throws {
        let found = Self.lint(Self.spec(outputsLine: "  # sluice: ignore[unused_output]"))
        let problem = try #require(found.first { $0.rule == .unusedSuppression })
        #expect(problem.message == "suppression names \"unused_output\", which is not a sluice rule")
        #expect(problem.help == "did you mean \"unused-output\"?")
        #expect(problem.severity == .warning)
        #expect(found.contains { $0.rule == .unusedOutput }, "an unknown id silences nothing")
    }

    @Test func errorsCannotBeSilenced() {
        let text = """
            pipeline: p
            tasks:
              a:
                needs: [a]  # sluice: ignore[self-dependency]

            """
        let found = Self.lint(text)
        #expect(found.map(\.rule) == [.selfDependency, .unusedSuppression])
        #expect(found.last?.message == "\"self-dependency\" is an error and cannot be suppressed")
        #expect(Self.lint(text, ignoring: [.selfDependency]).map(\.rule) == [.selfDependency, .unusedSuppression])
    }

    @Test(arguments: [
        ("# sluice: ignore unused-output", "expected \"ignore[\" after \"sluice:\""),
        ("# sluice: ignore[unused-output", "\"[\" is never closed by \"]\""),
        ("# sluice: ignore[unused-output] because", "unexpected text after \"]\""),
        ("# sluice: ignore[unused-output,]", "empty rule id in the list"),
        ("# sluice: ignore[]", "empty rule id in the list"),
    ])
    func malformedCommentsWarn(_ comment: String, _ problem: String) {
        let found = Self.lint(Self.spec(outputsLine: "  " + comment))
        #expect(found.map(\.rule) == [.unusedOutput, .unusedSuppression])
        #expect(found.last?.message == "malformed suppression comment: \(problem)")
        #expect(found.last?.range.start.column == 46)
    }

    @Test func sluiceColonOutsideADirectiveIsPlainText() {
        let text = Self.spec().replacingOccurrences(of: "pipeline: p\n", with: "pipeline: p\ndescription: \"see sluice: ignore[x] # not a comment\"\n# the sluice: tool\n")
        #expect(Self.lint(text).map(\.rule) == [.unusedOutput])
        // `#` inside a word does not start a YAML comment.
        let inWord = Self.spec(outputsLine: "").replacingOccurrences(of: "python3 extract.py", with: "python3 extract.py --tag a#sluice:ignore[x]")
        #expect(Self.lint(inWord).map(\.rule) == [.unusedOutput])
    }

    @Test func listingUnusedSuppressionKeepsTheOthersQuiet() {
        let quiet = Self.spec(outputsLine: "  # sluice: ignore[secret-in-plain-text, unused-output, unused-suppression]")
        #expect(Self.lint(quiet).isEmpty)
        let nothingToQuiet = Self.spec(outputsLine: "  # sluice: ignore[unused-output, unused-suppression]")
        #expect(Self.rendered(Self.lint(nothingToQuiet)) == [
            "5:78-96 unused-suppression suppression of \"unused-suppression\" silences nothing: every other rule the comment lists applies",
        ])
    }

    @Test func ignoringDropsWarningsEverywhereAndKeepsInlineOnesUsed() {
        #expect(Self.lint(Self.spec(), ignoring: [.unusedOutput]).isEmpty)
        #expect(Self.lint(Self.spec(outputsLine: "  # sluice: ignore[unused-output]"), ignoring: [.unusedOutput]).isEmpty)
        let stale = Self.spec(outputsLine: "  # sluice: ignore[join-after-branch]")
        #expect(Self.lint(stale, ignoring: [.unusedOutput, .unusedSuppression]).isEmpty)
    }

    @Test func aCommentOnTheLastLineSilencesNothing() {
        let text = Self.spec() + "# sluice: ignore[unused-output]\n"
        #expect(Self.rendered(Self.lint(text)).last == "9:18-31 unused-suppression suppression of \"unused-output\" silences nothing: no line follows the comment")
    }

    @Test func columnsCountUnicodeScalarsAndCRLFIsFine() {
        let text = Self.spec(outputsLine: " # é ☃ # sluice: ignore[join-after-branch]").replacingOccurrences(of: "\n", with: "\r\n")
        let problem = Self.lint(text).first { $0.rule == .unusedSuppression }
        #expect(problem?.range.start.line == 5)
        #expect(problem?.range.start.column == 68)
        #expect(problem?.range.end.column == 85)
    }

    @Test func suppressionsInOneFileDoNotApplyToAnother() {
        let a = SpecSource(path: "a.yaml", text: Self.spec(outputsLine: "  # sluice: ignore[unused-output]"))
        let b = SpecSource(path: "b.yaml", text: Self.spec().replacingOccurrences(of: "pipeline: p", with: "pipeline: q"))
        let found = Linter.lint([a, b], files: NoFiles()).diagnostics
        #expect(found.map { "\($0.file) \($0.rule.id)" } == ["b.yaml unused-output"])
    }

    @Test func aSyntaxErrorDoesNotStopTheScan() {
        let text = "pipeline: p\ntasks: [\n# sluice: ignore[unused-output]\n"
        let rules = Self.lint(text).map(\.rule)
        #expect(rules.contains(.yamlSyntax) && rules.contains(.unusedSuppression))
    }
}

/// No params files, no sibling specs.
private struct NoFiles: ProjectFiles {
    func read(_ path: String) -> String? { nil }
    func yamlFiles(in directory: String) -> [String] { [] }
}
