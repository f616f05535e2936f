import SluiceDiagnostics
import SluiceSpec

/// `unknown-task`: `needs` or `branch` names no task of this pipeline.
struct UnknownTask: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        let pipeline = context.spec.pipeline?.value ?? "(unnamed)"
        for task in context.spec.tasks {
            for (position, need) in task.needs.enumerated() {
                if context.graph.index[need.value] == nil {
                    sink.emit(.unknownTask, at: need.range,
                              "task \"\(task.name.value)\" needs \"\(need.value)\", which is not a task of pipeline \"\(pipeline)\"",
                              help: didYouMean(need.value, among: context.graph.names))
                } else if task.needs[..<position].contains(where: { $0.value == need.value }) {
                    sink.emit(.invalidValue, at: need.range, "task \"\(task.name.value)\" lists \"\(need.value)\" twice in \"needs\"",
                              help: "remove the second entry")
                }
            }
            for choice in task.branch ?? [] where context.graph.index[choice.value] == nil {
                sink.emit(.unknownTask, at: choice.range,
                          "branch task \"\(task.name.value)\" chooses \"\(choice.value)\", which is not a task of pipeline \"\(pipeline)\"",
                          help: didYouMean(choice.value, among: context.graph.names))
            }
        }
    }
}
