import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `not-upstream`: a task reads an output of a task that does not run before
/// it (not a transitive upstream through `needs`), the XCom pull that only
/// works when the scheduler happens to order things right.
///
/// A task whose `needs` (or whose upstreams' `needs`) name a task that does
/// not exist already has an `unknown-task` error, and its upstreams are
/// unknown: `needs: [prepar]` then reading `{{ prepare.rows }}` is one
/// mistake, and a second error whose help keeps the typo
/// (`needs: [prepar, prepare]`) would only mislead. As rustc does, one root
/// cause gets one error; the rest shows once the typo is fixed.
struct NotUpstream: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        var unknownUpstreams: [Bool]?
        for (task, reference) in context.allReferences {
            guard case .failed(let failure) = reference.resolution else { continue }
            let consumer = context.taskName(task)
            switch failure {
            case .notUpstream(let producer):
                if unknownUpstreams == nil { unknownUpstreams = Self.upstreamsUnknown(context) }
                if let unknown = unknownUpstreams, task < unknown.count, unknown[task] { continue }
                let producerName = context.taskName(producer)
                let needs = context.spec.tasks[task].needs.map(\.value) + [producerName]
                sink.emit(.notUpstream, at: context.range(of: reference),
                          "task \(quoted(consumer)) reads \(quoted(reference.scanned.dotted)), but \(quoted(producerName)) is not upstream of it",
                          notes: ["an output exists only once its task has finished; \"needs\" orders the tasks"],
                          help: "add \(quoted(producerName)) to the needs of \(quoted(consumer)): needs: [\(needs.joined(separator: ", "))]")
            case .ownOutput:
                sink.emit(.notUpstream, at: context.range(of: reference),
                          "task \(quoted(consumer)) reads its own output \(quoted(reference.scanned.dotted)), which exists only after it ends")
            default:
                continue
            }
        }
    }

    /// For each task: whether a `needs` entry of it or of any task upstream
    /// of it names no task (so the set of its upstreams is not known).
    static func upstreamsUnknown(_ context: CheckContext) -> [Bool] {
        let graph = context.graph
        var unknown = [Bool](repeating: false, count: graph.count)
        var frontier: [Int] = []
        for task in context.spec.tasks.indices where task < graph.count {
            if UnknownTask.resolvedNeeds(of: task, context.base).contains(where: { $0.task == nil }) {
                unknown[task] = true
                frontier.append(task)
            }
        }
        // Downstream of such a task, the upstreams are unknown too.
        while let task = frontier.popLast() {
            for next in graph.downstream[task] where !unknown[next] {
                unknown[next] = true
                frontier.append(next)
            }
        }
        return unknown
    }
}
