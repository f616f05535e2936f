import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `unused-output`: a task with downstream tasks declares a scalar output
/// that no task reads. Leaf tasks' outputs are results, and tables and files
/// are artifacts: those never warn.
struct UnusedOutput: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        var read = ReadOutputs(context), guessing = Set<Int>()
        for (_, reference) in context.allReferences {
            switch reference.resolution {
            case .output(let producer, let output): read.insert(producer, output.task, output.output)
            // A reference that failed for another reason still shows intent to read.
            case .failed(.notUpstream(let producer)):
                let path = reference.scanned.segments
                if path.count == 2 { read.insert(producer, path[0].name, path[1].name) }
            // A misspelt output name is reported as unknown-output; which declared
            // output was meant is a guess, so none of that task's outputs warns.
            case .failed(.unknownOutput(let producer, _)): guessing.insert(producer)
            default: break
            }
        }
        for (t, outputs) in context.contracts.outputs.enumerated() where !context.graph.downstream[t].isEmpty && !guessing.contains(t) {
            let name = context.taskName(t)
            for output in outputs {
                guard let type = output.parsedType, !type.isArtifact, !read.contains(t, name, output.name) else { continue }
                if output.name == "branch" && context.spec.tasks[t].branch != nil { continue }
                sink.emit(.unusedOutput, at: output.spec.name.range,
                          "output \(quoted(output.name)) of task \(quoted(name)) is never read by its downstream tasks",
                          help: "reference it as {{ \(name).\(output.name) }}, or remove it")
            }
        }
    }

    /// The outputs read, as "task.output" would name them: by the producer's
    /// index when task names are unique (as a parsed spec's are), so no text
    /// is built or hashed per reference; by both names otherwise (neither can
    /// hold a ".", so a pair of names compares as the dotted text does).
    private struct ReadOutputs {
        /// Per producer: the names of its outputs read (each once), when names are unique.
        var byTask: [[String]] = []
        var byName = Set<Pair>()
        let namesAreUnique: Bool

        struct Pair: Hashable {
            var task: String
            var output: String
        }

        init(_ context: CheckContext) {
            namesAreUnique = context.graph.index.count == context.graph.count
            if namesAreUnique { byTask = [[String]](repeating: [], count: context.graph.count) }
        }

        mutating func insert(_ producer: Int, _ task: String, _ output: String) {
            guard namesAreUnique, byTask.indices.contains(producer) else {
                byName.insert(Pair(task: task, output: output))
                return
            }
            if !byTask[producer].contains(output) { byTask[producer].append(output) }
        }

        func contains(_ task: Int, _ name: String, _ output: String) -> Bool {
            if namesAreUnique, byTask.indices.contains(task), byTask[task].contains(output) { return true }
            return !byName.isEmpty && byName.contains(Pair(task: name, output: output))
        }
    }
}
