import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `invalid-type`: an output type (or an input expectation) that does not parse.
struct InvalidType: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        for (task, outputs) in context.contracts.outputs.enumerated() {
            for output in outputs {
                // Worded only for a diagnostic: most outputs have none.
                var place: String { "output \(quoted(output.name)) of task \(quoted(context.taskName(task)))" }
                switch output.type {
                case .failure(let error):
                    sink.emit(.invalidType, at: context.locate(output.spec.type, offset: error.offset, length: error.length),
                              "type of \(place): \(error.message)", help: Self.help(for: output.spec.type, error))
                case .success(.list(let element)) where element.isArtifact:
                    sink.emit(.invalidType, at: output.spec.type.range,
                              "type of \(place): a task writes one \(element.tableColumns == nil ? "file" : "table") per output, not a list of them",
                              help: "map the task with \"foreach\": downstream, its output is then a list")
                case .success(.file) where output.spec.path.map({ $0.value.isEmpty }) ?? false:
                    continue
                case .success(let type) where output.spec.path != nil && !(type == .file):
                    if let path = output.spec.path {
                        sink.emit(.invalidValue, at: path.range, "\"path\" of \(place) is only for file outputs, and this one is \(type)")
                    }
                default:
                    continue
                }
            }
        }
        for (task, inputs) in context.contracts.inputs.enumerated() {
            for input in inputs {
                var place: String { "input \(quoted(input.spec.name.value)) of task \(quoted(context.taskName(task)))" }
                if case .failure(let error) = input.expectedType, let node = input.spec.type {
                    sink.emit(.invalidType, at: context.locate(node, offset: error.offset, length: error.length),
                              "type of \(place): \(error.message)", help: Self.help(for: node, error))
                }
                for column in input.columns {
                    guard case .failure(let error) = column.type else { continue }
                    sink.emit(.invalidType, at: column.node.range, "column \(quoted(column.name.value)) of \(place): \(error.message)",
                              help: didYouMean(column.node.scalar?.text ?? "", among: TableColumnType.allCases.map(\.rawValue)))
                }
            }
        }
    }

    static func help(for node: YAMLNode, _ error: LiteralError) -> String? {
        guard let text = node.scalar?.text else { return nil }
        if text.hasPrefix("list(") { return "write list[T], with square brackets" }
        if text.hasPrefix("table[") { return "write table(col: type, ...), with parentheses" }
        // The word the error underlines, against the names that fit there:
        // inside `table(...)` (the only parenthesis in a type) column types,
        // elsewhere output types. Offsets count Unicode scalars.
        let scalars = Array(text.unicodeScalars)
        guard error.length > 0, error.offset >= 0, error.offset + error.length <= scalars.count else { return nil }
        var word = String.UnicodeScalarView()
        word.append(contentsOf: scalars[error.offset..<(error.offset + error.length)])
        let inTable = scalars[..<error.offset].contains("(")
        return didYouMean(String(word), among: inTable ? TableColumnType.allCases.map(\.rawValue) : ValueType.scalarNames)
    }
}
