import Foundation
import SluiceCompiler
import SluiceDiagnostics
import Testing

/// The rule manual (`sluice explain`, docs/rules.md) against the catalogue
/// and against the linter itself: every example is linted, so an entry
/// cannot promise what the check does not do.
struct RuleDocsTests {
    static let rulesMarkdown = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/rules.md")

    @Test func everyRuleHasExactlyOneEntry() {
        let counts = Dictionary(grouping: RuleDoc.catalogue, by: \.rule).mapValues(\.count)
        for rule in Rule.allCases {
            #expect(counts[rule] == 1, "rule \(rule.id) has \(counts[rule] ?? 0) manual entries; add one to Sources/SluiceDiagnostics/RuleDocs+*.swift")
        }
        #expect(RuleDoc.catalogue.map(\.rule) == Rule.allCases, "the manual follows the catalogue's order")
    }

    @Test(arguments: Rule.allCases)
    func entryIsComplete(_ rule: Rule) throws {
        let doc = try #require(RuleDoc.doc(for: rule), "no manual entry for \(rule.id)")
        // Enough prose to say something, in sentences.
        #expect(doc.catches.count >= 40 && doc.why.count >= 80, "\(rule.id): catches/why too thin")
        for prose in [doc.catches, doc.why] {
            #expect(RuleDoc.paragraphs(prose).allSatisfy { $0.hasSuffix(".") }, "\(rule.id): paragraphs end with a period")
        }
        #expect(!doc.failing.isEmpty && !doc.fixed.isEmpty, "\(rule.id): needs a failing and a fixed example")
        #expect(doc.failing.map(\.text) != doc.fixed.map(\.text), "\(rule.id): the fixed example must differ")
        for file in doc.failing + doc.fixed {
            #expect(file.text.hasSuffix("\n") && !file.text.hasSuffix("\n\n"), "\(rule.id): \(file.path) ends with one newline")
        }
    }

    /// The strongest check: the failing example makes `Linter.lint` report
    /// this rule and nothing else, so the example shows what it claims.
    @Test(arguments: Rule.allCases)
    func failingExampleFiresOnlyItsRule(_ rule: Rule) throws {
        let doc = try #require(RuleDoc.doc(for: rule))
        let diagnostics = RuleManual.lint(doc.failing).diagnostics
        #expect(diagnostics.contains { $0.rule == rule }, "\(rule.id)'s failing example does not fire it:\n\(goldenText(diagnostics))")
        #expect(diagnostics.allSatisfy { $0.rule == rule }, "\(rule.id)'s failing example fires other rules:\n\(goldenText(diagnostics))")
    }

    @Test(arguments: Rule.allCases)
    func fixedExampleIsClean(_ rule: Rule) throws {
        let doc = try #require(RuleDoc.doc(for: rule))
        let diagnostics = RuleManual.lint(doc.fixed).diagnostics
        #expect(diagnostics.isEmpty, "\(rule.id)'s fixed example is not clean:\n\(goldenText(diagnostics))")
    }

    /// docs/rules.md is generated; re-record with UPDATE_GOLDEN=1 (or
    /// `sluice explain --all --format markdown > docs/rules.md`).
    @Test func rulesMarkdownIsCurrent() throws {
        let generated = RuleManual.markdown()
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try generated.write(to: Self.rulesMarkdown, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: Self.rulesMarkdown, encoding: .utf8)
        #expect(committed == generated, """
            docs/rules.md is stale: run `swift run sluice explain --all --format markdown > docs/rules.md` \
            (or this test with UPDATE_GOLDEN=1) and commit the result
            """)
    }

    @Test func markdownHasASectionPerRuleAndAnIndex() {
        let markdown = RuleManual.markdown()
        for rule in Rule.allCases {
            #expect(markdown.contains("\n## `\(rule.id)`\n"), "no section for \(rule.id)")
            #expect(markdown.contains("| [`\(rule.id)`](#\(rule.id)) | \(rule.defaultSeverity.rawValue) |"), "no index row for \(rule.id)")
        }
    }

    @Test func textShowsTheLintReportAndHowToSilence() throws {
        let doc = try #require(RuleDoc.doc(for: .joinAfterBranch))
        let text = RuleManual.text(doc)
        #expect(text.hasPrefix("join-after-branch (warning): "))
        #expect(text.contains("\nWhy it matters\n  "))
        #expect(text.contains("    daily_ops.yaml:11:3: warning[join-after-branch]: task \"report\""))
        #expect(text.contains("# sluice: ignore[join-after-branch]"))
        #expect(text.split(separator: "\n").dropFirst().allSatisfy { $0.count <= 80 || $0.hasPrefix("    ") }, "prose wraps at 80 columns")
        let error = try #require(RuleDoc.doc(for: .cycle))
        #expect(RuleManual.text(error).contains("An error cannot be silenced"))
    }

    @Test func suggestionFindsTyposAndUnderscores() {
        #expect(RuleDoc.suggestion(for: "cylce") == "cycle")
        #expect(RuleDoc.suggestion(for: "unused_output") == "unused-output")
        #expect(RuleDoc.suggestion(for: "not-upsteam") == "not-upstream")
        #expect(RuleDoc.suggestion(for: "xyzzy") == nil)
    }

    @Test func wrapKeepsWordsWhole() {
        #expect(RuleDoc.wrap("aa bb cc dd", width: 7, indent: "  ") == ["  aa bb", "  cc dd"])
        #expect(RuleDoc.wrap("averyveryverylongword x", width: 5) == ["averyveryverylongword", "x"])
        #expect(RuleDoc.wrap("run `sluice lint --strict` now", width: 12) == ["run", "`sluice lint --strict`", "now"])
        #expect(RuleDoc.paragraphs("one\n two\n\n\nthree  four\n") == ["one two", "three four"])
    }
}
