import Foundation
import Testing

/// docs/spec.md is the reference of the spec language, so it is held to the
/// JSON Schema and to `sluice lint` the way code is held to its tests:
/// every key the schema knows has a row in the page's key tables and appears
/// in an example, and every example lints as the page says it does.
///
/// The page's annotation convention, one HTML comment right above each
/// ```yaml block (invisible when the page is rendered):
///
/// - `<!-- lint: clean -->`: a whole spec that lints with no diagnostic at
///   all, warnings included;
/// - `<!-- lint: RULE, RULE -->`: a whole spec whose diagnostics are exactly
///   these rule ids (as a set);
/// - `; file: NAME` after either: the block is written as NAME into one
///   directory shared by every block that names a file (so a `trigger` finds
///   its sibling spec), instead of alone as spec.yaml;
/// - `<!-- file: NAME -->` above a block in any language: a support file (a
///   params file, a script) written into the shared directory, not linted.
///
/// A ```yaml block without an annotation fails the test.
struct SpecReferenceTests {
    static let page = "docs/spec.md"

    struct Example: CustomStringConvertible {
        var line: Int
        var text: String
        /// nil for a support file; [] for "clean".
        var rules: Set<String>?
        var file: String?
        var description: String { "\(SpecReferenceTests.page):\(line)" }
    }

    static func pageText() throws -> String {
        try String(contentsOf: CLI.packageRoot.appendingPathComponent(page), encoding: .utf8)
    }

    /// The fenced blocks of `text` that carry an annotation (any ```yaml
    /// block must; a support file may be in any language).
    static func examples(in text: String) throws -> [Example] {
        let lines = text.components(separatedBy: "\n")
        var examples: [Example] = []
        var index = 0
        while index < lines.count {
            let fenceLine = lines[index].trimmingCharacters(in: .whitespaces)
            guard fenceLine.hasPrefix("```"), fenceLine.count > 3 else {
                index += 1
                continue
            }
            let fence = index
            var body: [String] = []
            index += 1
            while index < lines.count, lines[index].trimmingCharacters(in: .whitespaces) != "```" {
                body.append(lines[index])
                index += 1
            }
            index += 1
            let annotation = fence > 0 ? lines[fence - 1].trimmingCharacters(in: .whitespaces) : ""
            guard let parsed = parseAnnotation(annotation) else {
                if fenceLine == "```yaml" {
                    throw TestFailure("\(page):\(fence + 1): a ```yaml block needs an annotation on the line above it, e.g. <!-- lint: clean -->")
                }
                continue
            }
            examples.append(Example(line: fence + 1, text: body.joined(separator: "\n") + "\n", rules: parsed.rules, file: parsed.file))
        }
        return examples
    }

    /// `<!-- lint: clean -->`, `<!-- lint: a, b; file: x.yaml -->`, `<!-- file: x.yaml -->`.
    static func parseAnnotation(_ line: String) -> (rules: Set<String>?, file: String?)? {
        guard line.hasPrefix("<!--"), line.hasSuffix("-->") else { return nil }
        let inner = line.dropFirst(4).dropLast(3).trimmingCharacters(in: .whitespaces)
        var rules: Set<String>?, file: String?
        for part in inner.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if part.hasPrefix("lint:") {
                let value = part.dropFirst(5).trimmingCharacters(in: .whitespaces)
                rules = value == "clean" ? [] : Set(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            } else if part.hasPrefix("file:") {
                file = part.dropFirst(5).trimmingCharacters(in: .whitespaces)
            } else {
                return nil
            }
        }
        return rules == nil && file == nil ? nil : (rules, file)
    }

    /// Every example lints, through the real binary, exactly as annotated.
    @Test func everyExampleLintsAsThePageSays() throws {
        let examples = try Self.examples(in: try Self.pageText())
        #expect(examples.count >= 10, "docs/spec.md should show its keys in examples")
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let shared = root.appendingPathComponent("project")
        var linted: [(Example, URL)] = []
        for (number, example) in examples.enumerated() {
            let url = example.file.map { shared.appendingPathComponent($0) }
                ?? root.appendingPathComponent("example\(number)/spec.yaml")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            #expect(!FileManager.default.fileExists(atPath: url.path), "\(example): file \(example.file ?? "") is written twice")
            try Data(example.text.utf8).write(to: url)
            if example.rules != nil { linted.append((example, url)) }
        }
        for (example, url) in linted {
            let outcome = try CLI.run(["lint", "--format", "json", url.lastPathComponent], cwd: url.deletingLastPathComponent())
            #expect(outcome.status != 2, "\(example): sluice lint failed: \(outcome.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
            let diagnostics = json?["diagnostics"] as? [[String: Any]] ?? []
            let rules = Set(diagnostics.compactMap { $0["rule"] as? String })
            let shown = diagnostics.map { "\($0["line"] ?? "?"):\($0["column"] ?? "?") \($0["rule"] ?? "?") \($0["message"] ?? "")" }
            #expect(rules == example.rules, "\(example): expected \(example.rules?.sorted() ?? []) but sluice lint says:\n\(shown.joined(separator: "\n"))")
        }
    }

    /// The keys of every `properties` object in the shipped JSON Schema.
    static func schemaKeys() throws -> Set<String> {
        let data = try Data(contentsOf: CLI.packageRoot.appendingPathComponent("docs/schema/sluice.schema.json"))
        var keys: Set<String> = []
        func walk(_ node: Any) {
            if let array = node as? [Any] { array.forEach(walk) }
            guard let object = node as? [String: Any] else { return }
            if let properties = object["properties"] as? [String: Any] { keys.formUnion(properties.keys) }
            object.values.forEach(walk)
        }
        walk(try JSONSerialization.jsonObject(with: data))
        return keys
    }

    /// Acceptance: a key the schema (and so the decoder) knows cannot be
    /// missing from the reference: each has a row in a key table
    /// (| `key` | type | default | meaning |) and is written as a key in an
    /// example that lints clean.
    @Test func everySchemaKeyHasARowAndACleanExample() throws {
        let text = try Self.pageText()
        let clean = try Self.examples(in: text).filter { $0.rules == [] }.map(\.text)
        let keys = try Self.schemaKeys()
        #expect(keys.count >= 40, "the schema walk found too few keys: \(keys.sorted())")
        for key in keys.sorted() {
            #expect(text.contains("| `\(key)` |"), "docs/spec.md has no key-table row for \"\(key)\" (| `\(key)` | type | default | meaning |)")
            let written = try Regex("(^|[\\s{,\\-])\(key):(\\s|$)").anchorsMatchLineEndings()
            #expect(clean.contains { $0.contains(written) }, "docs/spec.md has no lint-clean example that writes the key \"\(key)\"")
        }
    }

    /// The reference stands alone: users have the repository, nothing beside it.
    @Test func noPageReferesToFilesOutsideTheRepository() throws {
        let docs = CLI.packageRoot.appendingPathComponent("docs")
        let pages = try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }
            .map { "docs/\($0)" } + ["README.md", "pipelines/README.md"]
        #expect(pages.count > 5)
        // The contract files and folders beside the repository (not a path-escape
        // example's `../shared/extract.py`, which is outside on purpose).
        let outside = try Regex(#"DESIGN\.md|STYLE\.md|shared/(arrow|schemas|hooks)"#)
        for page in pages {
            let text = try String(contentsOf: CLI.packageRoot.appendingPathComponent(page), encoding: .utf8)
            for (number, line) in text.components(separatedBy: "\n").enumerated() where line.contains(outside) {
                Issue.record("\(page):\(number + 1) refers to a file outside the repository: \(line)")
            }
        }
    }
}
