import SluiceDiagnostics
import SluiceSpec

/// What `sluice lint` reports: every diagnostic, sorted and de-duplicated.
public struct LintResult: Sendable {
    public var diagnostics: [Diagnostic]
    public var fileCount: Int
    public var specs: [PipelineSpec]

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }
}

/// Parses and checks specs: the front end of every command.
public enum Linter {
    public static func lint(_ sources: [SpecSource]) -> LintResult {
        var diagnostics: [Diagnostic] = []
        var specs: [PipelineSpec] = []
        for source in sources.sorted(by: { $0.path < $1.path }) {
            let (spec, found) = SpecParser.parse(source.text, file: source.path)
            diagnostics += found
            specs.append(spec)
        }
        let project = Project(specs: specs)
        for spec in specs {
            var sink = DiagnosticSink(file: spec.file)
            let context = CheckContext(spec: spec, graph: TaskGraph(spec), project: project)
            for check in CheckRegistry.perSpec { check.check(context, into: &sink) }
            diagnostics += sink.diagnostics
        }
        diagnostics += DuplicatePipeline.check(project)
        return LintResult(diagnostics: DiagnosticSink.normalize(diagnostics), fileCount: sources.count, specs: specs)
    }
}
