import SluiceDiagnostics
import SluiceSpec

/// `invalid-value`: `label` on a task without `foreach`. A label names each
/// map instance; a task that is not mapped has none to name, and a label
/// left there would silently mean nothing.
struct LabelWithoutForeach: SpecCheck {
    func check(_ context: SpecContext, into sink: inout DiagnosticSink) {
        for task in context.spec.tasks.indices {
            guard let label = context.spec.tasks[task].label, context.spec.tasks[task].foreach == nil else { continue }
            sink.emit(.invalidValue, at: label.range,
                      "\"label\" of task \(quoted(context.taskName(task))) names map instances, but the task has no \"foreach\"",
                      help: "add \"foreach\" to the task, or remove \"label\"")
        }
    }
}
