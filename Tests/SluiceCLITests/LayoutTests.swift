import Foundation
import Testing

/// README's "Layout" and docs/architecture.md describe the targets; Package.swift is the truth.
/// These tests keep the words true: every target is listed once, with exactly the
/// dependencies Package.swift gives it, so a new target or import cannot land undocumented.
@Suite struct LayoutTests {
    /// One target of Package.swift: its kind and its direct dependencies (targets and products by name).
    struct Target: Equatable, CustomStringConvertible {
        var name: String
        var kind: String
        var dependencies: Set<String>
        var description: String { "\(name) -> \(dependencies.sorted().joined(separator: ", "))" }
    }

    /// The targets Package.swift declares, read from its text: `.target(name: "X", dependencies: [...])` and
    /// the other kinds. A declaration this cannot read fails the test rather than being skipped.
    static func packageTargets() throws -> [Target] {
        let manifest = try String(contentsOf: CLI.packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        var targets: [Target] = []
        var rest = Substring(manifest)
        let kinds = ["target", "executableTarget", "systemLibrary", "testTarget"]
        while let open = kinds.compactMap({ kind in rest.range(of: ".\(kind)(").map { (kind, $0) } }).min(by: { $0.1.lowerBound < $1.1.lowerBound }) {
            let (kind, range) = open
            // The declaration runs to the parenthesis that closes the one just opened.
            var depth = 1
            var index = range.upperBound
            while index < rest.endIndex, depth > 0 {
                if rest[index] == "(" { depth += 1 } else if rest[index] == ")" { depth -= 1 }
                index = rest.index(after: index)
            }
            let declaration = rest[range.upperBound..<index]
            let body = declaration.drop { $0.isWhitespace }
            rest = rest[index...]
            let quoted = Self.quotedStrings(in: body)
            guard body.hasPrefix("name:"), let name = quoted.first else {
                Issue.record("Package.swift: a .\(kind)( declaration this test cannot read: \(body.prefix(80))")
                continue
            }
            var dependencies: Set<String> = []
            if let deps = body.range(of: "dependencies:") {
                let list = body[deps.upperBound...]
                // Up to the closing bracket of the dependency list.
                var depthBracket = 0
                var end = list.endIndex
                for position in list.indices {
                    if list[position] == "[" { depthBracket += 1 }
                    if list[position] == "]" { depthBracket -= 1; if depthBracket == 0 { end = position; break } }
                }
                let entries = list[list.startIndex..<end]
                // `.product(name: "Crypto", package: "swift-crypto")` names the product, not the package.
                for string in Self.quotedStrings(in: entries, marking: "package:") where !string.hasPrefix("package:") {
                    dependencies.insert(string)
                }
            }
            targets.append(Target(name: name, kind: kind, dependencies: dependencies))
        }
        return targets
    }

    /// The string literals in `text`; one that follows `marking` comes back prefixed by it.
    static func quotedStrings(in text: Substring, marking: String? = nil) -> [String] {
        var found: [String] = []
        var index = text.startIndex
        while let quote = text[index...].firstIndex(of: "\"") {
            let after = text.index(after: quote)
            guard let close = text[after...].firstIndex(of: "\"") else { break }
            var literal = String(text[after..<close])
            if let marking, text[..<quote].trimmingCharacters(in: .whitespaces).hasSuffix(marking) { literal = marking + literal }
            found.append(literal)
            index = text.index(after: close)
        }
        return found
    }

    /// The lines of the fenced block under `## Layout` in README.md: `Name  words  (leaf)` or `Name  words  -> A, B`.
    static func readmeLayout() throws -> [String: Set<String>] {
        let readme = try String(contentsOf: CLI.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        guard let section = readme.range(of: "\n## Layout\n") else {
            Issue.record("README.md has no '## Layout' section")
            return [:]
        }
        let after = readme[section.upperBound...]
        guard let fenceOpen = after.range(of: "```\n"),
              let fenceClose = after[fenceOpen.upperBound...].range(of: "```") else {
            Issue.record("README.md's Layout has no fenced block")
            return [:]
        }
        var listed: [String: Set<String>] = [:]
        for line in after[fenceOpen.upperBound..<fenceClose.lowerBound].split(separator: "\n") {
            let name = String(line.prefix { !$0.isWhitespace })
            guard !name.isEmpty else { continue }
            #expect(listed[name] == nil, "README Layout lists \(name) twice")
            // The last arrow: a description may hold arrows of its own ("events -> tree").
            if let arrow = line.range(of: "-> ", options: .backwards) {
                listed[name] = Set(line[arrow.upperBound...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            } else {
                #expect(line.hasSuffix("(leaf)"), "README Layout: \(name) names neither its imports (-> A, B) nor (leaf)")
                listed[name] = []
            }
        }
        return listed
    }

    @Test func packageSwiftIsReadWhole() throws {
        let targets = try Self.packageTargets()
        // A parser that silently finds nothing would make the next test pass vacuously.
        #expect(targets.contains { $0.name == "sluice" && $0.kind == "executableTarget" && $0.dependencies.contains("ArgumentParser") })
        #expect(targets.contains { $0.name == "SluiceSpec" && $0.dependencies.contains("CYAML") })
        #expect(targets.filter { $0.kind == "testTarget" }.count >= 5)
    }

    @Test func readmeLayoutListsEveryTargetWithItsImports() throws {
        let declared = try Self.packageTargets().filter { $0.kind == "target" || $0.kind == "executableTarget" }
            .filter { $0.name != "SluiceTestSupport" }
        let listed = try Self.readmeLayout()
        for target in declared {
            guard let imports = listed[target.name] else {
                Issue.record("README Layout does not list \(target.name) (\(target))")
                continue
            }
            #expect(imports == target.dependencies,
                    "README Layout: \(target.name) -> \(imports.sorted().joined(separator: ", ")); Package.swift: \(target)")
        }
        for name in listed.keys where !declared.contains(where: { $0.name == name }) {
            Issue.record("README Layout lists \(name), which Package.swift does not declare")
        }
    }

    @Test func architectureDocNamesEveryTarget() throws {
        let doc = try String(contentsOf: CLI.packageRoot.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        for target in try Self.packageTargets() where target.kind != "testTarget" && target.name != "SluiceTestSupport" {
            let mentioned = doc.contains("`\(target.name)`")
            #expect(mentioned, "docs/architecture.md does not mention `\(target.name)`")
        }
    }
}
