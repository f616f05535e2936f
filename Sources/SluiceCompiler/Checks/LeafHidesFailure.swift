import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `leaf-hides-failure`: a leaf task with `trigger_rule: all_done` or
/// `always` below a task whose failure no other leaf shows. A run's state
/// comes from its leaf tasks (Airflow's DAG-run rule), and such a leaf runs
/// after the failure and succeeds, so the run succeeds with a failed task.
///
/// A task's failure shows when it is a leaf, or when a path leads from it to
/// a leaf through tasks that turn a failed upstream into upstream_failed
/// (`all_success`, `none_failed`, `none_failed_min_one_success`), or to a
/// leaf watcher (`one_failed`, `all_failed`): the task a watcher's help adds.
struct LeafHidesFailure: SpecCheck {
    func check(_ context: SpecContext, into sink: inout DiagnosticSink) {
        let graph = context.graph
        let spec = context.spec
        let rules = spec.tasks.map { BranchFlow.triggerRule(of: $0, spec) }
        let hiding = graph.names.indices.filter { t in
            graph.downstream[t].isEmpty && !graph.upstream[t].isEmpty && (rules[t] == .allDone || rules[t] == .always)
        }
        guard !hiding.isEmpty, let order = BranchFlow.topologicalOrder(graph) else { return }
        var shows = [Bool](repeating: false, count: graph.count)
        for t in order.reversed() {
            shows[t] = graph.downstream[t].isEmpty || graph.downstream[t].contains { d in
                switch rules[d] {
                case .allSuccess?, .noneFailed?, .noneFailedMinOneSuccess?: shows[d]
                case .oneFailed?, .allFailed?: graph.downstream[d].isEmpty
                default: false
                }
            }
        }
        for leaf in hiding {
            let hidden = BranchFlow.ancestors(of: leaf, graph).filter { !shows[$0] }.sorted()
            guard !hidden.isEmpty, let rule = rules[leaf] else { continue }
            let names = hidden.map { context.taskName($0) }
            let leafName = context.taskName(leaf)
            let shown = names.prefix(3).map(quoted).joined(separator: " or ") + (names.count > 3 ? " or \(names.count - 3) more" : "")
            sink.emit(.leafHidesFailure, at: spec.tasks[leaf].name.range,
                      "task \(quoted(leafName)) is a leaf with trigger_rule \(rule.rawValue): when \(shown) fails, \(quoted(leafName)) still runs and the run succeeds",
                      notes: ["a run's state comes from its leaf tasks (Airflow's DAG-run rule): it fails only when a leaf ends failed or upstream_failed"],
                      help: "add a watcher task that fails the run: watcher: { needs: [\(names.joined(separator: ", "))], trigger_rule: one_failed, run: exit 1 }")
        }
    }
}
