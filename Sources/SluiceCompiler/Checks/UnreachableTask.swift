import SluiceDiagnostics
import SluiceSpec

/// `unreachable-task`: a direct downstream of a branch task that is neither
/// one of its choices nor below one. The branch skips every direct
/// downstream it does not choose, except those below a chosen task
/// (Airflow's `skip_all_except`), so this task never runs.
struct UnreachableTask: SpecCheck {
    func check(_ context: SpecContext, into sink: inout DiagnosticSink) {
        for (b, task) in context.spec.tasks.enumerated() {
            guard let choices = task.branch else { continue }
            let chosen = Set(choices.map(\.value))
            let unchosen = context.graph.downstream[b].filter { !chosen.contains(context.taskName($0)) }
            guard !unchosen.isEmpty else { continue }
            let joins = BranchFlow.descendants(of: Set(choices.compactMap { context.graph.index[$0.value] }.filter { $0 != b }), context.graph)
            for d in unchosen where !joins.contains(d) {
                let name = context.taskName(d)
                sink.emit(.unreachableTask, at: context.spec.tasks[d].name.range,
                          "task \(quoted(name)) needs branch task \(quoted(task.name.value)) but is not one of its choices: it is always skipped",
                          notes: ["\(quoted(task.name.value)) chooses: " + choices.map(\.value).joined(separator: ", ")],
                          help: "add \(quoted(name)) to the \"branch\" choices, or make it need one of the choices instead")
            }
        }
    }
}
