import SluiceDiagnostics
import SluiceSpec

/// What `sluice lint` reports: every diagnostic, sorted and de-duplicated.
public struct LintResult: Sendable {
    public var diagnostics: [Diagnostic]
    public var fileCount: Int
    public var specs: [PipelineSpec]
    /// Per spec (same order as `specs`): its graph and resolved contracts, for lowering.
    public var checked: [CheckedPipeline]
    public var pipelines: PipelineIndex

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }
}

/// Parses and checks specs: the front end of every command.
public enum Linter {
    /// `files` reads what specs refer to: params files, and sibling specs a trigger names.
    /// `ignoring` drops warnings of those rules everywhere (`lint --ignore`);
    /// inline `# sluice: ignore[...]` comments are always honoured.
    public static func lint(_ sources: [SpecSource], files: any ProjectFiles = DiskFiles(), ignoring: Set<Rule> = []) -> LintResult {
        lint(sources, files: files, ignoring: ignoring, checkThreads: .automatic)
    }

    /// `checkThreads` forces one or two threads for each spec's checks (tests compare them).
    static func lint(_ sources: [SpecSource], files: any ProjectFiles, ignoring: Set<Rule>, checkThreads: WorkThreads) -> LintResult {
        var diagnostics: [Diagnostic] = []
        var specs: [PipelineSpec] = []
        for source in sources.sorted(by: { $0.path < $1.path }) {
            let (spec, found) = SpecParser.parse(source.text, file: source.path)
            diagnostics += found
            specs.append(spec)
        }
        let project = Project(specs: specs)
        let pipelines = PipelineIndex(project: specs, files: files)
        var checked: [CheckedPipeline] = []
        for spec in specs {
            // The index already built the graph and branch flow of every named spec.
            let indexed = pipelines.entries.first { $0.isProjectSpec && $0.file == spec.file }
            let graph = indexed?.graph ?? TaskGraph(spec)
            let flow = indexed?.flow ?? BranchFlow(spec, graph: graph)
            let base = SpecContext(spec: spec, graph: graph, project: project, flow: flow, pipelines: pipelines, files: files)
            // The checks that read no contracts run beside their build.
            let (context, found) = ParallelChecks.run(base, threads: checkThreads.count(forTasks: spec.tasks.count)) {
                PipelineContracts.build(spec, graph: graph, files: files)
            }
            diagnostics += context.contracts.paramDiagnostics
            diagnostics += found
            checked.append(CheckedPipeline(spec: spec, graph: graph, contracts: context.contracts, flow: flow))
        }
        diagnostics += DuplicatePipeline.check(project)
        diagnostics = Suppressions.apply(diagnostics, sources: sources, ignoring: ignoring)
        return LintResult(diagnostics: DiagnosticSink.normalize(diagnostics), fileCount: sources.count, specs: specs,
                          checked: checked, pipelines: pipelines)
    }
}

/// One spec after checking: what lowering to a plan starts from.
public struct CheckedPipeline: Sendable {
    public var spec: PipelineSpec
    public var graph: TaskGraph
    public var contracts: PipelineContracts
    public var flow: BranchFlow
}
