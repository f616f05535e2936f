import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `bad-reference`: a malformed `{{ }}`, or a reference whose root is not
/// `params`, `item`, `index`, `run` or a task of this pipeline.
struct BadReference: Check {
    static let roots = ["params", "item", "index", "run"]

    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        for (task, errors) in context.contracts.scanErrors.enumerated() {
            for scan in errors {
                sink.emit(.badReference, at: context.locate(scan.node, offset: scan.error.offset, length: scan.error.length),
                          "malformed reference in \(scan.site.description) of task \(quoted(context.taskName(task))): \(scan.error.message)",
                          help: scan.error.message.contains("never closed") ? "close it with \"}}\"; write {{ \"{{\" }} for literal braces" : nil)
            }
        }
        for (task, input) in context.contracts.inputs.enumerated().flatMap({ t, inputs in inputs.map { (t, $0) } }) {
            guard let error = input.fromError, let from = input.spec.from else { continue }
            sink.emit(.badReference, at: from.range,
                      "\"from\" of input \(quoted(input.spec.name.value)) of task \(quoted(context.taskName(task))) must be task.output: \(error.message)")
        }
        for (task, reference) in context.allReferences {
            guard case .failed(let failure) = reference.resolution else { continue }
            let place = context.place(reference, task: task)
            let written = "{{ \(reference.scanned.dotted) }}"
            switch failure {
            case .unknownRoot(let root):
                sink.emit(.badReference, at: context.range(of: reference, segments: 0, 1),
                          "unknown reference root \(quoted(root)) \(place)",
                          notes: ["a reference starts with params, item, index, run or the name of a task"],
                          help: didYouMean(root, among: context.spellings.index("roots") { Self.roots + context.graph.names }))
            case .bareRoot(let root):
                sink.emit(.badReference, at: context.range(of: reference),
                          "\(written) \(place) names no value", help: "name one param: {{ \(root).section.key }}")
            case .outsideForeach(let root):
                if reference.site == .foreach {
                    sink.emit(.badReference, at: context.range(of: reference),
                              "\"foreach\" of task \(quoted(context.taskName(task))) cannot map over \(quoted(root)): it names the list to map over",
                              help: "name a list in params (params.x) or an upstream output (task.output)")
                } else {
                    sink.emit(.badReference, at: context.range(of: reference, segments: 0, 1),
                              "{{ \(root) }} \(place) is only defined in a task with \"foreach\"",
                              help: "add \"foreach\" to the task, or pass the value another way")
                }
            case .itemField:
                sink.emit(.badReference, at: context.range(of: reference, segments: 1, reference.scanned.segments.count),
                          "\(written) \(place): index is a number and has no fields")
            case .unknownRunField(let field):
                sink.emit(.badReference, at: field.isEmpty ? context.range(of: reference) : context.range(of: reference, segments: 1, reference.scanned.segments.count),
                          "\(written) \(place) is not defined; a run has {{ run.id }} and {{ run.date }}",
                          help: field.isEmpty ? nil : didYouMean(field, among: ["id", "date"]))
            case .tooDeep(let producer):
                sink.emit(.badReference, at: context.range(of: reference, segments: 2, reference.scanned.segments.count),
                          "\(written) \(place) goes deeper than task.output",
                          help: "pass {{ \(producer).\(reference.scanned.path.dropFirst().first ?? "output") }} and read the field in the command")
            case .needsOutput(let name):
                if reference.site.isInput {
                    sink.emit(.badReference, at: context.range(of: reference),
                              "\"from\" \(place) names \(quoted(reference.scanned.dotted)); an input reads an upstream output, task.output")
                } else {
                    let outputs = context.graph.index[name].map { context.contracts.outputs[$0].map(\.name) } ?? []
                    sink.emit(.badReference, at: context.range(of: reference),
                              "\(written) \(place) names a task, not one of its outputs",
                              help: outputs.isEmpty ? "task \(quoted(name)) declares no outputs" : "write {{ \(name).\(outputs[0]) }}; it declares " + outputs.joined(separator: ", "))
                }
            case .outputInLabel:
                sink.emit(.badReference, at: context.range(of: reference),
                          "\(written) \(place) reads a task output; a label names its instance before it runs",
                          help: "name the instance from its item: {{ item }}, {{ item.<field> }} or {{ index }}")
            default:
                continue
            }
        }
    }
}

extension ReferenceSite {
    var isInput: Bool { if case .input = self { true } else { false } }
}
