import SluiceDiagnostics
import SluiceSpec

/// `self-dependency`: a task lists itself in `needs`.
struct SelfDependency: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        for task in context.spec.tasks {
            for need in task.needs where need.value == task.name.value {
                sink.emit(.selfDependency, at: need.range, "task \"\(task.name.value)\" needs itself",
                          help: "remove \"\(need.value)\" from its \"needs\"")
            }
        }
    }
}
