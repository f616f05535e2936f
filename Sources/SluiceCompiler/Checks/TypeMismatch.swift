import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `type-mismatch`: an `inputs` expectation that disagrees with what the
/// producer declares (scalar types, list element types, table columns),
/// naming both declarations. Downstream of a mapped task an output is a list.
struct TypeMismatch: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        for (task, inputs) in context.contracts.inputs.enumerated() {
            for input in inputs {
                guard let from = input.from, case .output(let producer, let output) = from.resolution else { continue }
                let place = "input \(quoted(input.spec.name.value)) of task \(quoted(context.taskName(task)))"
                let source = "\(output.task).\(output.output)"
                var notes: [String] = []
                if let declared = context.contracts.outputs[producer].first(where: { $0.name == output.output }) {
                    notes.append("\(source) is declared at \(position(context.spec.file, declared.spec.type.range)) as \(declared.parsedType.map(String.init(describing:)) ?? "?")")
                }
                if output.mapped { notes.append("\(quoted(output.task)) is mapped with foreach: downstream, its outputs are lists") }
                if case .success(let expected) = input.expectedType, let node = input.spec.type, !Self.accepts(expected, output.type) {
                    sink.emit(.typeMismatch, at: node.range, "\(place) expects \(expected), but \(source) is \(output.type)", notes: notes)
                }
                guard !input.columns.isEmpty else { continue }
                let table: [TableColumn]?
                switch output.type {
                case .table(let columns): table = columns
                case .list(.table(let columns)) where output.mapped: table = columns
                default: table = nil
                }
                guard let table else {
                    sink.emit(.typeMismatch, at: from.node.range, "\(place) expects table columns, but \(source) is \(output.type), not a table", notes: notes)
                    continue
                }
                for column in input.columns {
                    guard case .success(let expected) = column.type else { continue }
                    guard let actual = table.first(where: { $0.name == column.name.value }) else {
                        sink.emit(.typeMismatch, at: column.name.range,
                                  "\(place) expects column \(quoted(column.name.value)), which table \(source) does not declare",
                                  notes: notes + ["\(source) has columns: " + table.map(\.name).joined(separator: ", ")],
                                  help: didYouMean(column.name.value, among: table.map(\.name)))
                        continue
                    }
                    if actual.type != expected {
                        sink.emit(.typeMismatch, at: column.node.range,
                                  "\(place) expects column \(quoted(column.name.value)) as \(expected.rawValue), but table \(source) declares it \(actual.type.rawValue)",
                                  notes: notes)
                    }
                }
            }
        }
    }

    /// `json` takes any value; otherwise the types must be equal.
    static func accepts(_ expected: ValueType, _ actual: ValueType) -> Bool {
        if expected == actual { return true }
        switch (expected, actual) {
        case (.json, let a): return !a.isArtifact
        case (.list(let e), .list(let a)): return accepts(e, a)
        default: return false
        }
    }
}
