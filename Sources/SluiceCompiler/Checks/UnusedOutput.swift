import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `unused-output`: a task with downstream tasks declares a scalar output
/// that no task reads. Leaf tasks' outputs are results, and tables and files
/// are artifacts: those never warn.
struct UnusedOutput: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        var read = ReadOutputs(context), guessing = Set<Int>()
        // The stored references themselves, not `allReferences`' copies: only the resolution is looked at.
        let references = context.allReferences.references.storage
        for r in references.indices {
            switch references[r].resolution {
            case .output(let producer, let output): read.insert(producer, output.task, output.output, context)
            // A reference that failed for another reason still shows intent to read.
            case .failed(.notUpstream(let producer)):
                let path = references[r].scanned.segments
                if path.count == 2 { read.insert(producer, path[0].name, path[1].name, context) }
            // A misspelt output name is reported as unknown-output; which declared
            // output was meant is a guess, so none of that task's outputs warns.
            case .failed(.unknownOutput(let producer, _)): guessing.insert(producer)
            default: break
            }
        }
        for (t, outputs) in context.contracts.outputs.enumerated() where !context.graph.downstream[t].isEmpty && !guessing.contains(t) {
            let name = context.taskName(t)
            for (k, output) in outputs.enumerated() {
                guard let type = output.parsedType, !type.isArtifact, !read.contains(t, k, name, output.name) else { continue }
                if output.name == "branch" && context.spec.tasks[t].branch != nil { continue }
                sink.emit(.unusedOutput, at: output.spec.name.range,
                          "output \(quoted(output.name)) of task \(quoted(name)) is never read by its downstream tasks",
                          help: "reference it as {{ \(name).\(output.name) }}, or remove it")
            }
        }
    }

    /// The outputs read, as "task.output" would name them. When task names
    /// are unique (as a parsed spec's are), one flag per declared output,
    /// found by the producer's index and the output's name, so no text is
    /// built or hashed per reference; otherwise pairs of names (neither can
    /// hold a ".", so a pair compares as the dotted text does).
    private struct ReadOutputs {
        /// Where each task's outputs start in `flags`, when names are unique.
        var starts: [Int] = []
        var flags: [Bool] = []
        var byName = Set<Pair>()
        let namesAreUnique: Bool

        struct Pair: Hashable {
            var task: String
            var output: String
        }

        init(_ context: CheckContext) {
            namesAreUnique = context.graph.index.count == context.graph.count
            guard namesAreUnique else { return }
            starts.reserveCapacity(context.contracts.outputs.count + 1)
            var total = 0
            for outputs in context.contracts.outputs {
                starts.append(total)
                total += outputs.count
            }
            starts.append(total)
            flags = [Bool](repeating: false, count: total)
        }

        mutating func insert(_ producer: Int, _ task: String, _ output: String, _ context: CheckContext) {
            guard namesAreUnique, producer >= 0, producer + 1 < starts.count, producer < context.contracts.outputs.count else {
                byName.insert(Pair(task: task, output: output))
                return
            }
            // Every declared output of that name (a parsed spec has one at most).
            for (k, declared) in context.contracts.outputs[producer].enumerated() where declared.name == output {
                flags[starts[producer] + k] = true
            }
        }

        func contains(_ task: Int, _ position: Int, _ name: String, _ output: String) -> Bool {
            if namesAreUnique, task >= 0, task + 1 < starts.count, starts[task] + position < starts[task + 1],
               flags[starts[task] + position] { return true }
            return !byName.isEmpty && byName.contains(Pair(task: name, output: output))
        }
    }
}
