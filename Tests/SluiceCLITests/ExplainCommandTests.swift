import Foundation
import Testing

/// `sluice explain` through the real binary.
struct ExplainCommandTests {
    @Test func withoutARuleListsEveryRuleWithItsSummary() throws {
        let outcome = try CLI.run(["explain"])
        #expect(outcome.status == 0)
        let rows = outcome.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") }
        #expect(rows.count >= 29, "\(outcome.stdout)")
        #expect(outcome.stdout.contains("  not-upstream           error    a referenced output's task is not a transitive upstream\n"))
        #expect(outcome.stdout.contains("  unused-suppression     warning  "))
    }

    @Test func aRulePrintsItsEntry() throws {
        let outcome = try CLI.run(["explain", "not-upstream"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        for heading in ["not-upstream (error): ", "\nWhat it catches\n", "\nWhy it matters\n", "\nFailing example: daily_sales.yaml\n",
                        "\nsluice lint reports\n", "\nFixed: daily_sales.yaml\n"] {
            #expect(outcome.stdout.contains(heading), "missing \(heading.debugDescription)")
        }
        #expect(outcome.stdout.contains("    daily_sales.yaml:7:35: error[not-upstream]: task \"report\" reads \"extract.rows\""))
        #expect(!outcome.stdout.contains("\u{1B}["), "plain text")
    }

    @Test func unknownRuleSuggestsAndExitsTwo() throws {
        let typo = try CLI.run(["explain", "not-upsteam"])
        #expect(typo.status == 2)
        #expect(typo.stderr == "error: unknown rule \"not-upsteam\"; did you mean \"not-upstream\"?\n")
        let nonsense = try CLI.run(["explain", "xyzzy"])
        #expect(nonsense.status == 2)
        #expect(nonsense.stderr.contains("`sluice explain` lists the rules"))
        #expect(try CLI.run(["explain", "cycle", "--all"]).status == 2)
    }

    /// docs/rules.md is exactly what the documented command prints.
    @Test func allAsMarkdownIsDocsRules() throws {
        let outcome = try CLI.run(["explain", "--all", "--format", "markdown"])
        #expect(outcome.status == 0)
        let committed = try String(contentsOf: CLI.packageRoot.appendingPathComponent("docs/rules.md"), encoding: .utf8)
        #expect(outcome.stdout == committed, "docs/rules.md is stale: sluice explain --all --format markdown > docs/rules.md")
    }
}

/// Suppressions end to end: `lint --ignore` and inline comments in a file.
struct LintSuppressionCLITests {
    static let warned = "pipeline: p\ntasks:\n  a:\n    env: { DB_PASSWORD: hunter2 }\n"

    static func spec(_ text: String) throws -> String {
        let file = try CLI.temporaryDirectory().appendingPathComponent("p.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test func ignoreDropsAWarningRuleEverywhere() throws {
        let file = try Self.spec(Self.warned)
        #expect(try CLI.run(["lint", "--strict", file]).status == 1)
        let ignored = try CLI.run(["lint", "--strict", "--ignore", "secret-in-plain-text", file, "--format", "json"])
        #expect(ignored.status == 0, "\(ignored.stdout)\(ignored.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(ignored.stdout.utf8)) as? [String: Any])
        #expect((object["diagnostics"] as? [Any])?.isEmpty == true, "\(ignored.stdout)")
    }

    @Test func ignoreRefusesErrorsAndUnknownRules() throws {
        let file = try Self.spec(Self.warned)
        let error = try CLI.run(["lint", "--ignore", "cycle", file])
        #expect(error.status == 2)
        #expect(error.stderr.contains("\"cycle\" is an error and cannot be ignored"))
        let unknown = try CLI.run(["lint", "--ignore", "secret_in_plain_text", file])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("did you mean \"secret-in-plain-text\"?"))
    }

    @Test func inlineCommentSilencesAndAStaleOneWarns() throws {
        let silenced = try Self.spec("pipeline: p\ntasks:\n  a:\n    env: { DB_PASSWORD: hunter2 }  # sluice: ignore[secret-in-plain-text]\n")
        let clean = try CLI.run(["lint", "--strict", silenced])
        #expect(clean.status == 0, "\(clean.stdout)")
        let stale = try Self.spec("pipeline: p\ntasks:\n  a:  # sluice: ignore[secret-in-plain-text]\n    run: echo ok\n")
        let warned = try CLI.run(["lint", "--strict", stale, "--color", "never"])
        #expect(warned.status == 1)
        #expect(warned.stdout.contains(":3:24: warning[unused-suppression]: suppression of \"secret-in-plain-text\" silences nothing"), "\(warned.stdout)")
    }

    @Test func sarifListsTheNewRule() throws {
        let file = try Self.spec(Self.warned)
        let outcome = try CLI.run(["lint", file, "--format", "sarif"])
        let log = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        let ids = (driver["rules"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(ids.contains("unused-suppression"), "SARIF rules[] comes from the catalogue: \(ids)")
    }
}
