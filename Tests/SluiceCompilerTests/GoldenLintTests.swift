import Foundation
import SluiceCompiler
import SluiceDiagnostics
import Testing

/// One fixture: `Fixtures/lint/<rule>/<case>.yaml` (or a `<case>/` directory
/// of specs linted together) with `<case>.expected` beside it.
struct GoldenCase: CustomTestStringConvertible, Sendable {
    let group: String
    let name: String
    let input: URL
    var expected: URL { input.deletingPathExtension().appendingPathExtension("expected") }
    var testDescription: String { "\(group)/\(name)" }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/lint")

    /// Every case, discovered from the folder so adding a fixture adds a test.
    static func all() -> [GoldenCase] {
        let fm = FileManager.default
        let groups = (try? fm.contentsOfDirectory(atPath: root.path)) ?? []
        return groups.sorted().flatMap { group -> [GoldenCase] in
            let dir = root.appendingPathComponent(group)
            let entries = (try? fm.contentsOfDirectory(atPath: dir.path)) ?? []
            return entries.sorted().compactMap { entry in
                let url = dir.appendingPathComponent(entry)
                var isDir: ObjCBool = false
                guard fm.fileExists(atPath: url.path, isDirectory: &isDir),
                      isDir.boolValue || entry.hasSuffix(".yaml") else { return nil }
                return GoldenCase(group: group, name: (entry as NSString).deletingPathExtension, input: url)
            }
        }
    }

    /// Lints the case with paths relative to the fixture folder, so the
    /// expected output does not depend on where the repository lives.
    func lint() throws -> LintResult {
        let fm = FileManager.default
        let previous = fm.currentDirectoryPath
        _ = fm.changeCurrentDirectoryPath(input.deletingLastPathComponent().path)
        defer { _ = fm.changeCurrentDirectoryPath(previous) }
        let sources = try SpecDiscovery.collect([input.lastPathComponent])
        return Linter.lint(sources)
    }
}

/// Compact, stable rendering of diagnostics for golden files.
func goldenText(_ diagnostics: [Diagnostic]) -> String {
    diagnostics.map { d in
        let r = d.range
        var lines = ["\(d.file):\(r.start.line):\(r.start.column)-\(r.end.line):\(r.end.column) \(d.severity.rawValue)[\(d.rule.rawValue)] \(d.message)"]
        lines += d.notes.map { "  note: \($0)" }
        if let help = d.help { lines.append("  help: \(help)") }
        return lines.joined(separator: "\n")
    }.joined(separator: "\n") + "\n"
}

/// The cwd is process-wide, so golden cases run one at a time.
@Suite(.serialized)
struct GoldenLintTests {
    @Test(arguments: GoldenCase.all())
    func matchesExpected(_ golden: GoldenCase) throws {
        let result = try golden.lint()
        let actual = goldenText(result.diagnostics)
        let record = ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1"
        guard !record, let expected = try? String(contentsOf: golden.expected, encoding: .utf8) else {
            try actual.write(to: golden.expected, atomically: true, encoding: .utf8)
            Issue.record("recorded \(golden.expected.lastPathComponent); review it and run again")
            return
        }
        #expect(actual == expected)
    }

    /// A fixture in `<rule>/` must make that rule fire; one in `ok/` must be clean.
    @Test(arguments: GoldenCase.all())
    func firesItsRule(_ golden: GoldenCase) throws {
        let diagnostics = try golden.lint().diagnostics
        if golden.group == "ok" {
            #expect(diagnostics.isEmpty, "\(goldenText(diagnostics))")
        } else {
            #expect(diagnostics.contains { $0.rule.rawValue == golden.group }, "no \(golden.group) in:\n\(goldenText(diagnostics))")
        }
    }

    @Test func everyRuleHasTwoCases() {
        let counts = Dictionary(grouping: GoldenCase.all(), by: \.group).mapValues(\.count)
        for rule in Rule.allCases {
            #expect((counts[rule.rawValue] ?? 0) >= 2, "rule \(rule.rawValue) needs at least two fixtures")
        }
        #expect((counts["ok"] ?? 0) >= 3)
    }
}
