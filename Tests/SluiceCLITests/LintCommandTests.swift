import Foundation
import SluiceTestSupport
import Testing

/// `sluice lint` through the real binary: exit codes, formats, defaults.
struct LintCommandTests {
    static let fixtures = "Tests/SluiceCompilerTests/Fixtures/lint"

    @Test func examplePipelinesLintCleanByDefault() throws {
        let outcome = try CLI.run(["lint", "--strict"])
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("no problems in 7 files"))
    }

    @Test func errorsExitOneAndPointAtTheToken() throws {
        let outcome = try CLI.run(["lint", "\(Self.fixtures)/unknown-task/needs_typo.yaml", "--color", "never"])
        #expect(outcome.status == 1)
        #expect(outcome.stdout.contains("needs_typo.yaml:5:13: error[unknown-task]: task \"report\" needs \"lod\""))
        #expect(outcome.stdout.contains("5 |     needs: [lod]\n  |             ^^^"))
        #expect(outcome.stdout.contains("= help: did you mean \"load\"?"))
        #expect(!outcome.stdout.contains("\u{1B}["))
    }

    @Test func colourOnlyWhenAskedAndNeverWithNoColor() throws {
        let file = "\(Self.fixtures)/unknown-task/needs_typo.yaml"
        #expect(try CLI.run(["lint", file, "--color", "always"]).stdout.contains("\u{1B}["))
        #expect(!(try CLI.run(["lint", file], environment: ["NO_COLOR": "1"]).stdout.contains("\u{1B}[")))
    }

    @Test func strictFailsOnWarnings() throws {
        let file = "\(Self.fixtures)/secret-in-plain-text/secrets_map.yaml"
        #expect(try CLI.run(["lint", file]).status == 0)
        #expect(try CLI.run(["lint", file, "--strict"]).status == 1)
    }

    @Test func usageAndIOErrorsExitTwo() throws {
        let missing = try CLI.run(["lint", "no/such/dir"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no/such/dir: no such file or directory"))
        #expect(try CLI.run(["lint", "--format", "xml"]).status == 2)
        let empty = try CLI.temporaryDirectory()
        #expect(try CLI.run(["lint", empty.path]).status == 2)
    }

    @Test func jsonHasExactlyTheDesignShape() throws {
        let outcome = try CLI.run(["lint", "\(Self.fixtures)/unknown-task", "--format", "json"])
        #expect(outcome.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["version", "diagnostics", "summary"])
        #expect(object["version"] as? Int == 1)
        let summary = try #require(object["summary"] as? [String: Int])
        #expect(summary == ["files": 3, "errors": 4, "warnings": 1])
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 5)
        let first = try #require(diagnostics.first)
        #expect(Set(first.keys) == ["file", "line", "column", "end_line", "end_column", "severity", "rule", "message", "notes"])
        #expect(first["rule"] as? String == "unknown-task")
        #expect(first["line"] as? Int == 4 && first["column"] as? Int == 23 && first["end_column"] as? Int == 31)
        #expect((first["notes"] as? [String])?.last == "help: did you mean \"all_good\"?")
    }

    @Test func githubAnnotations() throws {
        let outcome = try CLI.run(["lint", "\(Self.fixtures)/cycle/three.yaml", "--format", "github"])
        #expect(outcome.status == 1)
        #expect(outcome.stdout.hasPrefix("::error file=\(Self.fixtures)/cycle/three.yaml,line=4,col=13,endLine=4,endColumn=14,title=cycle::dependency cycle%3A a -> b -> c -> a")
                || outcome.stdout.hasPrefix("::error file=\(Self.fixtures)/cycle/three.yaml,line=4,col=13,endLine=4,endColumn=14,title=cycle::dependency cycle: a -> b -> c -> a"))
    }

    /// Acceptance: SARIF for every fixture (every rule) validates against the official schema.
    @Test func sarifValidatesAgainstTheOfficialSchema() throws {
        let outcome = try CLI.run(["lint", Self.fixtures, "--format", "sarif"])
        #expect(outcome.status == 1)
        let dir = try CLI.temporaryDirectory()
        let log = dir.appendingPathComponent("out.sarif")
        try Data(outcome.stdout.utf8).write(to: log)
        let located = CrossChecks.sarifSchema(packageRoot: CLI.packageRoot, python: try CLI.python().path)
        guard let schema = located.path else {
            print("skipped: SARIF schema validation of `sluice lint --format sarif`: \(located.reason)")
            return
        }
        let script = """
            import json, sys, jsonschema
            log = json.load(open(sys.argv[1])); schema = json.load(open(sys.argv[2]))
            jsonschema.validate(log, schema)
            results = log["runs"][0]["results"]
            rules = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
            assert all(r["ruleId"] in rules for r in results), "result with unknown ruleId"
            print(len(results), "results valid")
            """
        let check = try CLI.execute(try CLI.python(), ["-c", script, log.path, schema], cwd: dir)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("results valid"))
    }
}
