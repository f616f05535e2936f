import SluiceDiagnostics
import SluiceSpec

/// `unknown-task`: `needs` or `branch` names no task of this pipeline.
struct UnknownTask: SpecCheck {
    func check(_ context: SpecContext, into sink: inout DiagnosticSink) {
        let pipeline = context.spec.pipeline?.value ?? "(unnamed)"
        let tasks = context.spec.tasks
        for t in tasks.indices {
            for (need, resolved) in zip(tasks[t].needs, Self.resolvedNeeds(of: t, context)) {
                if resolved.task == nil {
                    sink.emit(.unknownTask, at: need.range,
                              "task \"\(tasks[t].name.value)\" needs \"\(need.value)\", which is not a task of pipeline \"\(pipeline)\"",
                              help: didYouMean(need.value, among: context.taskNameSpelling))
                } else if resolved.isRepeat {
                    sink.emit(.invalidValue, at: need.range, "task \"\(tasks[t].name.value)\" lists \"\(need.value)\" twice in \"needs\"",
                              help: "remove the second entry")
                }
            }
            guard let choices = tasks[t].branch else { continue }
            for choice in choices where context.graph.index[choice.value] == nil {
                sink.emit(.unknownTask, at: choice.range,
                          "branch task \"\(tasks[t].name.value)\" chooses \"\(choice.value)\", which is not a task of pipeline \"\(pipeline)\"",
                          help: didYouMean(choice.value, among: context.taskNameSpelling))
            }
        }
    }

    /// The graph resolved every `needs` entry already; resolved here again
    /// only if the graph was built from other tasks than the spec's.
    static func resolvedNeeds(of task: Int, _ context: SpecContext) -> ArraySlice<TaskGraph.ResolvedNeed> {
        let needs = context.spec.tasks[task].needs
        let resolved = context.graph.resolvedNeeds(of: task)
        if context.graph.count == context.spec.tasks.count, resolved.count == needs.count { return resolved }
        return ArraySlice(needs.indices.map { position in
            let target = context.graph.index[needs[position].value]
            let isRepeat = needs[..<position].contains { $0.value == needs[position].value }
            return TaskGraph.ResolvedNeed(task: target, isRepeat: isRepeat)
        })
    }
}
