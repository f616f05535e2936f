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

func fuzzSpec(_ bytes: UnsafeBufferPointer<UInt8>) {
    let text = String(decoding: bytes, as: UTF8.self)
    let files = FuzzFiles(text: text)
    let lint = Linter.lint([SpecSource(path: FuzzFiles.specPath, text: text)], files: files)
    _ = TextRenderer(useColor: true).render(lint.diagnostics) { files.read($0) }
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
