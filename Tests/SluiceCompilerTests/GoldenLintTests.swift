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
    /// expected output does not depend on where the repository lives. The
    /// folder stands in for the working directory through `ProjectFiles`
    /// rather than `chdir`, which would move every suite running meanwhile.
    func lint() throws -> LintResult {
        let folder = input.deletingLastPathComponent().path
        let sources = try SpecDiscovery.collect([input.path]).map { source in
            SpecSource(path: SpecPaths.relative(source.path, from: folder), text: source.text)
        }
        return Linter.lint(sources, files: FilesIn(folder: folder))
    }
}

/// The disk, with relative paths taken from `folder` instead of the working directory.
struct FilesIn: ProjectFiles {
    let folder: String

    func read(_ path: String) -> String? {
        DiskFiles().read(SpecPaths.join(folder, path))
    }

    func yamlFiles(in directory: String) -> [String] {
        DiskFiles().yamlFiles(in: SpecPaths.join(folder, directory)).map { SpecPaths.relative($0, from: folder) }
    }

    func exists(_ path: String) -> Bool {
        DiskFiles().exists(SpecPaths.join(folder, path))
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
