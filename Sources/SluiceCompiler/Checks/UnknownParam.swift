import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `unknown-param`: `{{ params.x.y }}` that resolves to nothing in the
/// merged params (`params_file` plus inline `params`).
struct UnknownParam: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        for (task, reference) in context.allReferences {
            guard case .failed(let failure) = reference.resolution else { continue }
            let path = reference.scanned.path
            switch failure {
            case .unknownParam(let depth, let candidates):
                guard depth < path.count else { continue }
                let parent = path[..<depth].joined(separator: ".")
                let message = depth == 1
                    ? "there is no param \(quoted(path[depth])) (\(context.place(reference, task: task)))"
                    : "\(parent) has no key \(quoted(path[depth])) (\(context.place(reference, task: task)))"
                var notes: [String] = []
                if depth == 1 && candidates.isEmpty {
                    notes.append("this pipeline declares no params" + (context.spec.paramsFile == nil ? "" : " (inline or in its params_file)"))
                } else if let suggestion = Spelling.suggestion(for: path[depth], among: candidates) {
                    sink.emit(.unknownParam, at: context.range(of: reference, segments: depth, depth + 1), message,
                              help: "did you mean {{ \((path[..<depth] + [suggestion]).joined(separator: ".")) }}?")
                    continue
                } else {
                    notes.append("\(depth == 1 ? "params" : parent) has: " + candidates.joined(separator: ", "))
                }
                sink.emit(.unknownParam, at: context.range(of: reference, segments: depth, depth + 1), message, notes: notes)
            case .paramNotSection(let depth, let entry):
                guard depth < path.count else { continue }
                let parent = path[..<depth].joined(separator: ".")
                sink.emit(.unknownParam, at: context.range(of: reference, segments: depth, path.count),
                          "\(parent) is \(entry.kindDescription), not a section: it has no \(quoted(path[depth])) (\(context.place(reference, task: task)))",
                          notes: ["\(parent) is set at \(position(entry.file, entry.range))"],
                          help: "write {{ \(parent) }}")
            default:
                continue
            }
        }
    }
}
