// The spec target: the whole front of the compiler. libyaml events, the
// event tape, the spec decoder, every lint rule, lowering to a plan, the plan's
// JSON round trip, and the text/JSON/SARIF/GitHub renderers (column
// arithmetic on arbitrary UTF-8). Any input must give diagnostics, never a trap.
import SluiceCompiler
import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// The spec lives in memory, and every file it may name (a `params_file`, a
/// sibling spec a `trigger` resolves against) is the same input again, so
/// the fuzzer reaches the params and trigger code paths too.
struct FuzzFiles: ProjectFiles {
    static let specPath = "fuzz/spec.yaml"
    static let siblingPath = "fuzz/sibling.yaml"
    let text: String

    func read(_ path: String) -> String? {
        SpecPaths.normalize(path).hasPrefix("fuzz/") ? text : nil
    }

    func yamlFiles(in directory: String) -> [String] {
        SpecPaths.normalize(directory) == "fuzz" ? [Self.siblingPath, Self.specPath] : []
    }
}

/// Lint time per input byte, bounded (issue 26.7): linting and rendering
/// must stay linear in the input. Quadratic paths were found by hand (a line
/// of unclosed `{{`, thousands of misspelt `needs`, a run of suppression
/// comments: minutes at 32 KB); this property catches the next one. The
/// budget is generous, for sanitizer builds on loaded machines: a fixed
/// second plus 50 µs a byte (five times that in a debug build). A quadratic
/// path over an 8 KB input of the kind above (the regression corpus holds
/// three) costs tens of seconds in a debug build.
enum LintTimeBudget {
    static let fixed: Duration = .seconds(1)
    static let perByte: Duration = .microseconds(50)

    /// Unoptimised builds (the plain replay the regression tests run) are
    /// several times slower per byte; the budget allows for it.
    #if DEBUG
    static let slowdown = 5
    #else
    static let slowdown = 1
    #endif

    static func check(_ elapsed: Duration, bytes: Int) {
        let budget = (fixed + perByte * bytes) * slowdown
        guard elapsed > budget else { return }
        fatalError("lint took \(elapsed) for \(bytes) bytes (budget \(budget)): a path that is not linear in the input")
    }
}

func fuzzSpec(_ bytes: UnsafeBufferPointer<UInt8>) {
    let text = String(decoding: bytes, as: UTF8.self)
    let files = FuzzFiles(text: text)
    let clock = ContinuousClock()
    let started = clock.now
    let lint = Linter.lint([SpecSource(path: FuzzFiles.specPath, text: text)], files: files)
    _ = TextRenderer(useColor: true).render(lint.diagnostics) { files.read($0) }
    LintTimeBudget.check(clock.now - started, bytes: bytes.count)
    _ = JSONRenderer().render(lint.diagnostics, files: lint.fileCount)
    _ = SARIFRenderer(toolVersion: "fuzz").render(lint.diagnostics)
    _ = GitHubRenderer().render(lint.diagnostics)

    let built = PlanBuilder.build(specPath: FuzzFiles.specPath, files: files)
    if let plan = built.plan {
        // A plan must survive its own JSON unchanged: `sluice run plan.json`
        // relies on it.
        let encoded = plan.encoded()
        guard let decoded = try? Plan(jsonText: encoded), decoded.encoded() == encoded else {
            fatalError("plan JSON does not round-trip")
        }
    }
    // The same bytes as a hand-written plan.json (`sluice run plan.json`).
    _ = try? Plan(jsonText: text)

    // Large specs are parsed with libyaml on a second thread; it must read
    // every input exactly as the one-thread loop does (differential check).
    var oneThread = YAMLLimits(), twoThreads = YAMLLimits()
    oneThread.parallelParsingBytes = .max
    twoThreads.parallelParsingBytes = 0
    let sequential = SpecParser.parse(text, file: FuzzFiles.specPath, limits: oneThread)
    let pipelined = SpecParser.parse(text, file: FuzzFiles.specPath, limits: twoThreads)
    guard sequential.diagnostics == pipelined.diagnostics,
          sequential.spec.tasks.map(\.name) == pipelined.spec.tasks.map(\.name) else {
        fatalError("libyaml on a second thread read this input differently")
    }
}
