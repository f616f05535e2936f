import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `not-upstream`: a task reads an output of a task that does not run before
/// it (not a transitive upstream through `needs`), the XCom pull that only
/// works when the scheduler happens to order things right.
struct NotUpstream: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        for (task, reference) in context.allReferences {
            guard case .failed(let failure) = reference.resolution else { continue }
            let consumer = context.taskName(task)
            switch failure {
            case .notUpstream(let producer):
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
}
