import ArgumentParser
import Foundation
import SluiceCompiler
import SluiceDiagnostics

/// `sluice lint [PATH...]`: check specs and report diagnostics.
struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check pipeline specs and report problems with file, line and column.",
        discussion: """
            A PATH may be a file or a directory: every *.yaml/*.yml below a directory that has a \
            top-level `pipeline:` key is checked. Exit status: 0 clean, 1 errors (or warnings with \
            --strict), 2 usage or I/O error.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, sarif, github
    }

    @Argument(help: "Spec files or directories.")
    var paths: [String] = ["pipelines"]

    @Option(help: "Output format: text, json, sarif or github.")
    var format: Format = .text

    @Flag(help: "Fail on warnings too.")
    var strict = false

    @Option(help: "Colour text output: auto, always or never.")
    var color: ColorChoice = .auto

    @Option(name: .customLong("ignore"), help: ArgumentHelp(
        "Drop the warnings of RULE everywhere (repeatable). Errors cannot be ignored.", valueName: "rule"),
        completion: .list(Rule.allCases.filter(Suppressions.canSuppress).map(\.id)))
    var ignored: [String] = []

    /// What was asked, as plain values.
    var job: LintJob {
        LintJob(paths: paths, format: format, strict: strict, color: color, ignored: ignored)
    }

    func run() throws {
        try job.run()
    }

    /// The argv fast path: reads the common command lines of this command
    /// (paths, `--format`, `--strict`, `--color`, `--ignore`; `arguments`
    /// are those after `lint`) without ArgumentParser, whose
    /// reflection-driven set-up costs a few milliseconds per process: in a
    /// CI step that lints small specs that is most of the run. Anything else
    /// (help, an unknown or repeated option, a bad value, `--`) gives nil,
    /// and ArgumentParser reads it as before, errors included. Declared here,
    /// beside the options it mirrors: `LintFastPathTests` holds both readings
    /// equal over every form this accepts.
    static func fastPath(_ arguments: [String]) -> LintJob? {
        guard let words = FastPathWords.read(arguments, flags: ["--strict"], options: ["--format", "--color", "--ignore"]) else { return nil }
        var job = LintJob()
        var paths: [String] = []
        var seen = Set<String>()
        for word in words {
            switch word {
            case .operand(let path):
                paths.append(path)
            case .flag(let name):
                guard seen.insert(name).inserted else { return nil }
                job.strict = true
            case .option("--format", let value):
                guard seen.insert("--format").inserted, let format = LintCommand.Format(rawValue: value) else { return nil }
                job.format = format
            case .option("--color", let value):
                guard seen.insert("--color").inserted, let color = ColorChoice(rawValue: value) else { return nil }
                job.color = color
            case .option(_, let value):
                job.ignored.append(value)
            }
        }
        if !paths.isEmpty { job.paths = paths }
        return job
    }
}

/// One `sluice lint` invocation, apart from how its command line was read:
/// by ArgumentParser, or by `LintCommand.fastPath`.
struct LintJob: Equatable, FastPathJob {
    var paths: [String] = ["pipelines"]
    var format: LintCommand.Format = .text
    var strict = false
    var color: ColorChoice = .auto
    var ignored: [String] = []

    /// `--ignore` values as rules; an unknown id or an error rule is a usage error (exit 2).
    func ignoredRules() throws -> Set<Rule> {
        var rules = Set<Rule>()
        for id in ignored {
            guard let rule = Rule(rawValue: id) else {
                let help = RuleDoc.suggestion(for: id).map { "; did you mean \"\($0)\"?" } ?? ""
                throw failUsageOrIO("--ignore: unknown rule \"\(id)\"\(help) (`sluice explain` lists the rules)")
            }
            guard Suppressions.canSuppress(rule) else {
                throw failUsageOrIO("--ignore: \"\(id)\" is an error and cannot be ignored: a spec with errors cannot be planned or run")
            }
            rules.insert(rule)
        }
        return rules
    }

    func run() throws {
        let ignoring = try ignoredRules()
        // Before reading: the text of a large spec is the first big block the heap holds.
        MemoryTuning.prepareHeap(forSpecsAt: paths)
        let sources: [SpecSource]
        do {
            sources = try SpecDiscovery.collect(paths)
        } catch {
            throw failUsageOrIO(error.description)
        }
        guard !sources.isEmpty else {
            throw failUsageOrIO("no pipeline specs found in \(paths.joined(separator: ", ")) (a spec is a .yaml/.yml file with a top-level \"pipeline:\" key)")
        }
        let result = Linter.lint(sources, ignoring: ignoring)
        writeOut(render(result, sources))
        let failed = result.errorCount > 0 || (strict && result.warningCount > 0)
        // Exit here rather than return: freeing a 10,000-task syntax tree node
        // by node costs more than a tenth of the run, and the process is
        // about to end anyway (clang's -disable-free does the same).
        exitWithoutTeardown(failed ? .failure : .success)
    }

    private func render(_ result: LintResult, _ sources: [SpecSource]) -> String {
        switch format {
        case .text:
            let texts = Dictionary(sources.map { ($0.path, $0.text) }, uniquingKeysWith: { first, _ in first })
            let renderer = TextRenderer(useColor: color.enabled())
            let summary = renderer.summary(LintSummary(diagnostics: result.diagnostics, files: result.fileCount))
            let body = renderer.render(result.diagnostics) { texts[$0] ?? DiskFiles().read($0) }
            // A blank line between the last diagnostic and the summary, as rustc prints.
            let separator = body.isEmpty || body.hasSuffix("\n\n") ? "" : "\n"
            return body + separator + (summary.hasSuffix("\n") ? summary : summary + "\n")
        case .json:
            return JSONRenderer().render(result.diagnostics, files: result.fileCount)
        case .sarif:
            return SARIFRenderer(toolVersion: Sluice.version).render(result.diagnostics)
        case .github:
            return GitHubRenderer().render(result.diagnostics)
        }
    }
}
