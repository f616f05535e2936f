import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `foreach-not-list`: `foreach` given a value instead of the name of a list,
/// or naming something that is not a list. A mapped task's outputs are lists
/// downstream, so mapping over them is fine.
struct ForeachNotList: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        for (task, fact) in context.contracts.foreach.enumerated() {
            guard let fact else { continue }
            let name = quoted(context.taskName(task))
            switch fact {
            case .inlineValue(let node):
                let value = node.sequence != nil ? "an inline list" : "an inline value (\(node.kindDescription))"
                sink.emit(.foreachNotList, at: node.range, "\"foreach\" of task \(name) is \(value); it must name a list: params.x or task.output",
                          help: "put the list in params and write foreach: params.<name>")
            case .notAReference(let node, let error):
                sink.emit(.foreachNotList, at: node.range, "\"foreach\" of task \(name) is not the name of a list (\(error.message))",
                          help: "put the list in params and write foreach: params.<name>, or name an upstream output: foreach: task.output")
            case .reference(let reference):
                switch reference.resolution {
                case .param(let path, let entry) where !entry.isList:
                    sink.emit(.foreachNotList, at: context.range(of: reference),
                              "\"foreach\" of task \(name) maps over params.\(path.joined(separator: ".")), which is \(entry.kindDescription), not a list",
                              notes: ["params.\(path.joined(separator: ".")) is set at \(position(entry.file, entry.range))"])
                case .output(let producer, let output) where !output.type.isList:
                    let declared = context.contracts.outputs[producer].first { $0.name == output.output }
                    sink.emit(.foreachNotList, at: context.range(of: reference),
                              "\"foreach\" of task \(name) maps over \(output.task).\(output.output), which is \(output.type), not a list",
                              notes: declared.map { ["\(output.task).\(output.output) is declared at \(position(context.spec.file, $0.spec.name.range))"] } ?? [],
                              help: "declare it as list[...], or map \(quoted(output.task)) itself")
                default:
                    continue
                }
            }
        }
    }
}
