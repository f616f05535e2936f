import SluiceDiagnostics
import SluiceSpec

/// `self-dependency`: a task lists itself in `needs`.
struct SelfDependency: SpecCheck {
    func check(_ context: SpecContext, into sink: inout DiagnosticSink) {
        // By index: `for task in tasks` would copy every task, with all its fields.
        let tasks = context.spec.tasks
        for t in tasks.indices {
            for need in tasks[t].needs where need.value == tasks[t].name.value {
                sink.emit(.selfDependency, at: need.range, "task \"\(tasks[t].name.value)\" needs itself",
                          help: "remove \"\(need.value)\" from its \"needs\"")
            }
        }
    }
}
