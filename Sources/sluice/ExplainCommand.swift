import ArgumentParser
import SluiceCompiler
import SluiceDiagnostics

/// `sluice explain [RULE] [--all] [--format text|markdown]`: the rule manual.
/// Wiring only; the entries are `SluiceDiagnostics.RuleDoc`, rendered by
/// `SluiceCompiler.RuleManual`.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain a lint rule: what it catches, why it matters, a failing and a fixed example.",
        discussion: """
            Without a RULE, lists every rule with a one-line summary. `--all --format markdown` prints \
            the manual that docs/rules.md holds. Exit status: 0, or 2 for an unknown rule.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, markdown
    }

    @Argument(help: ArgumentHelp("A rule id, e.g. not-upstream.", valueName: "rule"), completion: .list(Rule.allCases.map(\.id)))
    var rule: String?

    @Flag(help: "Explain every rule.")
    var all = false

    @Option(help: "Output format: text or markdown.")
    var format: Format = .text

    func validate() throws {
        if all, rule != nil { throw ValidationError("give a RULE or --all, not both") }
    }

    func run() throws {
        if all {
            writeOut(render(RuleDoc.catalogue))
            return
        }
        guard let id = rule else {
            writeOut(RuleManual.list())
            return
        }
        guard let rule = Rule(rawValue: id) else {
            let suggestion = RuleDoc.suggestion(for: id)
            let help = suggestion.map { "; did you mean \"\($0)\"?" } ?? "; `sluice explain` lists the rules"
            throw failUsageOrIO("unknown rule \"\(id)\"\(help)")
        }
        guard let doc = RuleDoc.doc(for: rule) else {
            // A rule added to the catalogue before its manual entry: say what is known.
            writeOut("\(rule.id) (\(rule.defaultSeverity.rawValue)): \(rule.summary)\n")
            return
        }
        writeOut(render([doc]))
    }

    private func render(_ docs: [RuleDoc]) -> String {
        switch format {
        case .markdown: RuleManual.markdown(docs)
        case .text: docs.map { RuleManual.text($0) }.joined(separator: "\n" + String(repeating: "-", count: 80) + "\n\n")
        }
    }
}
