import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `unknown-output`: `{{ task.output }}` naming an output the task does not declare.
struct UnknownOutput: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        for (task, reference) in context.allReferences {
            guard case .failed(.unknownOutput(let producer, let candidates)) = reference.resolution,
                  reference.scanned.segments.count >= 2 else { continue }
            let name = reference.scanned.path[1]
            let message = "task \(quoted(context.taskName(producer))) declares no output \(quoted(name)) (\(context.place(reference, task: task)))"
            let range = context.range(of: reference, segments: 1, 2)
            if let help = didYouMean(name, among: candidates) {
                sink.emit(.unknownOutput, at: range, message, help: help)
            } else {
                let declared = candidates.isEmpty ? "it declares no outputs" : "it declares: " + candidates.joined(separator: ", ")
                sink.emit(.unknownOutput, at: range, message, notes: [declared],
                          help: "declare it under \"outputs\" of task \(quoted(context.taskName(producer)))")
            }
        }
    }
}
