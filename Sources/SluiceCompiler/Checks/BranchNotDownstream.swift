import SluiceDiagnostics
import SluiceSpec

/// `branch-not-downstream`: a branch choice that does not `needs` the branch
/// task. Skipping works on direct downstream tasks only, so the choice would
/// run whatever the branch decides.
struct BranchNotDownstream: SpecCheck {
    func check(_ context: SpecContext, into sink: inout DiagnosticSink) {
        for (b, task) in context.spec.tasks.enumerated() {
            for choice in task.branch ?? [] {
                guard let c = context.graph.index[choice.value], c != b, !context.graph.upstream[c].contains(b) else { continue }
                let needs = context.spec.tasks[c].needs.map(\.value) + [task.name.value]
                sink.emit(.branchNotDownstream, at: choice.range,
                          "branch task \(quoted(task.name.value)) chooses \(quoted(choice.value)), which is not a direct downstream of it",
                          notes: ["a branch can only skip the tasks that need it directly"],
                          help: "add \(quoted(task.name.value)) to the needs of \(quoted(choice.value)): needs: [\(needs.joined(separator: ", "))]")
            }
        }
    }
}
