import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
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
}

/// One `sluice lint` invocation, apart from how its command line was read:
/// by ArgumentParser, or by `LintJob(fastPath:)`.
struct LintJob: Equatable {
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
        LargeHeap.prepare(forInputBytes: paths.reduce(0) { min($0 + LargeHeap.regularFileSize($1), LargeHeap.inputBytesCap) })
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

extension LintJob {
    /// Reads the common `sluice lint` command lines (paths, `--format`,
    /// `--strict`, `--color`, `--ignore`) without ArgumentParser, whose
    /// reflection-driven set-up costs a few milliseconds per process: in a
    /// CI step that lints small specs that is most of the run. Anything else
    /// (help, an unknown or repeated option, a bad value, `--`) gives nil,
    /// and ArgumentParser reads it as before, errors included. A test holds
    /// both readings equal over a table of command lines.
    init?(fastPath arguments: [String]) {
        guard arguments.first == "lint" else { return nil }
        var job = LintJob()
        var paths: [String] = []
        var seen = Set<String>()
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-") else {
                paths.append(argument)
                continue
            }
            var name = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            if name == "--strict" {
                guard value == nil, seen.insert(name).inserted else { return nil }
                job.strict = true
                continue
            }
            guard ["--format", "--color", "--ignore"].contains(name) else { return nil }
            if value == nil {
                guard index < arguments.count else { return nil }
                value = arguments[index]
                index += 1
            }
            guard let value, !value.isEmpty, !value.hasPrefix("-") else { return nil }
            switch name {
            case "--format":
                guard seen.insert(name).inserted, let format = LintCommand.Format(rawValue: value) else { return nil }
                job.format = format
            case "--color":
                guard seen.insert(name).inserted, let color = ColorChoice(rawValue: value) else { return nil }
                job.color = color
            default:
                job.ignored.append(value)
            }
        }
        if !paths.isEmpty { job.paths = paths }
        self = job
    }
}

/// Linting a large spec fills tens of megabytes of fresh heap (about twenty
/// times the spec's size), and with 4 KiB pages the kernel then takes one page
/// fault per page: on a 2 MB spec that was about a fifth of the run. So, for
/// large inputs on Linux with glibc, the heap is grown once up front by about
/// what the run will need and that range is marked for transparent huge pages
/// (`madvise(MADV_HUGEPAGE)`, what glibc's own `glibc.malloc.hugetlb=1` tunable
/// does), so it faults in 2 MiB at a time. The reservation is virtual: pages
/// the run never touches cost nothing. Anything unavailable (no glibc, no THP,
/// an error) leaves the heap as it was; results never depend on it.
enum LargeHeap {
    /// Below this much spec text the heap stays small and page faults do not matter.
    static let minimumInputBytes = 1 << 20
    /// Heap per byte of spec, with room to spare (a 1.9 MB spec peaks near 34 MB).
    static let bytesPerInputByte = 32
    /// Sizes are counted up to this, so no sum or product of them can overflow.
    static let inputBytesCap = 1 << 40

    /// The size of `path` when it is a regular file, else 0 (directories are not walked for this).
    static func regularFileSize(_ path: String) -> Int {
        #if os(Linux) && canImport(Glibc)
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return 0 }
        return min(Int(info.st_size), inputBytesCap)
        #else
        return 0
        #endif
    }

    static func prepare(forInputBytes inputBytes: Int) {
        #if os(Linux) && canImport(Glibc)
        guard inputBytes >= minimumInputBytes else { return }
        // `mallopt` and its options are in <malloc.h>, which Swift's Glibc module does not include.
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        let (trimThreshold, topPad, mmapThreshold): (Int32, Int32, Int32) = (-1, -2, -3)
        let hugePage = 2 << 20
        // At most 1 GiB (so it fits mallopt's Int32), and no product that can overflow.
        let reserve = Int32(min(min(inputBytes, 1 << 30) * bytesPerInputByte, 1 << 30))
        // Serve even large arrays from the heap (glibc's largest threshold,
        // 32 MiB), never give freed memory back mid-run, and grow the heap by
        // `reserve` the next time it grows.
        guard mallopt(mmapThreshold, 32 << 20) == 1, mallopt(trimThreshold, Int32.max) == 1,
              mallopt(topPad, reserve) == 1 else { return }
        guard let before = sbrk(0), before != UnsafeMutableRawPointer(bitPattern: -1) else { return }
        // Larger than any free space the young heap has, so the heap grows
        // now. Called through `dlsym`, since the optimizer deletes a `malloc`
        // whose block is freed unused.
        typealias Malloc = @convention(c) (Int) -> UnsafeMutableRawPointer?
        guard let mallocSymbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc"),
              let probe = unsafeBitCast(mallocSymbol, to: Malloc.self)(hugePage) else { return }
        free(probe)
        // Later growth (a run needing more than the reservation) pads as usual again.
        _ = mallopt(topPad, 128 << 10)
        guard let after = sbrk(0), after != UnsafeMutableRawPointer(bitPattern: -1) else { return }
        let start = (Int(bitPattern: before) + hugePage - 1) & ~(hugePage - 1)
        let end = Int(bitPattern: after) & ~(hugePage - 1)
        guard end > start, let base = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(base, end - start, MADV_HUGEPAGE)
        #endif
    }
}
