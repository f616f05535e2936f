import SluiceDiagnostics
import SluiceSpec

/// `unknown-pipeline`: `trigger` names no pipeline among the specs linted
/// together and the pipeline specs beside the triggering one.
struct UnknownPipeline: SpecCheck {
    func check(_ context: SpecContext, into sink: inout DiagnosticSink) {
        for task in context.spec.tasks {
            guard let target = task.trigger, context.pipelines.resolve(target.value, from: context.spec.file) == nil else { continue }
            let visible = context.pipelines.visibleIDs(from: context.spec.file)
            let directory = SpecPaths.directory(of: context.spec.file)
            sink.emit(.unknownPipeline, at: target.range,
                      "task \(quoted(task.name.value)) triggers pipeline \(quoted(target.value)), which is not defined",
                      notes: ["a trigger resolves among the specs linted together and the specs in \(directory.isEmpty ? "the same directory" : directory + "/")"],
                      help: didYouMean(target.value, among: visible))
        }
    }
}
