import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `unused-output`: a task with downstream tasks declares a scalar output
/// that no task reads. Leaf tasks' outputs are results, and tables and files
/// are artifacts: those never warn.
struct UnusedOutput: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        var read = Set<String>(), guessing = Set<Int>()
        for (_, reference) in context.allReferences {
            if case .output(_, let output) = reference.resolution { read.insert(output.task + "." + output.output) }
            // A reference that failed for another reason still shows intent to read.
            if case .failed(.notUpstream) = reference.resolution { read.insert(reference.scanned.dotted) }
            // A misspelt output name is reported as unknown-output; which declared
            // output was meant is a guess, so none of that task's outputs warns.
            if case .failed(.unknownOutput(let producer, _)) = reference.resolution { guessing.insert(producer) }
        }
        for (t, outputs) in context.contracts.outputs.enumerated() where !context.graph.downstream[t].isEmpty && !guessing.contains(t) {
            let name = context.taskName(t)
            for output in outputs {
                guard let type = output.parsedType, !type.isArtifact, !read.contains(name + "." + output.name) else { continue }
                if output.name == "branch" && context.spec.tasks[t].branch != nil { continue }
                sink.emit(.unusedOutput, at: output.spec.name.range,
                          "output \(quoted(output.name)) of task \(quoted(name)) is never read by its downstream tasks",
                          help: "reference it as {{ \(name).\(output.name) }}, or remove it")
            }
        }
    }
}
