import SluiceDiagnostics
import SluiceSpec

/// `invalid-check`: a check that cannot apply to its output or column: a
/// range on a string column, a bound or accepted value not of the column's
/// type, bounds that no row could meet, checks on an output that is not a table.
struct InvalidCheck: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        for (index, task) in context.spec.tasks.enumerated() where !task.checks.isEmpty {
            let resolution = TableCheckResolution(task: task, outputs: context.contracts.outputs[index])
            for case .invalid(let range, let message, let help) in resolution.problems {
                sink.emit(.invalidCheck, at: range, message, help: help)
            }
        }
    }
}
