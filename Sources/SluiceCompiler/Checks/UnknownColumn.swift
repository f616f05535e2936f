import SluiceDiagnostics
import SluiceSpec

/// `unknown-column`: a check naming a column its table output does not declare.
struct UnknownColumn: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        for (index, task) in context.spec.tasks.enumerated() where !task.checks.isEmpty {
            let resolution = TableCheckResolution(task: task, outputs: context.contracts.outputs[index])
            for case .unknownColumn(let column, let output, let columns) in resolution.problems {
                let message = "output \(quoted(output)) of task \(quoted(task.name.value)) has no column \(quoted(column.value))"
                if let help = didYouMean(column.value, among: columns) {
                    sink.emit(.unknownColumn, at: column.range, message, help: help)
                } else {
                    sink.emit(.unknownColumn, at: column.range, message, notes: ["its columns: " + columns.joined(separator: ", ")])
                }
            }
        }
    }
}
