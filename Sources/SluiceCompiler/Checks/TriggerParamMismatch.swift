import SluiceBasics
import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `trigger: { params: ... }` checked against the triggered pipeline's
/// params: a path it does not declare is `unknown-param` at the key, and a
/// value whose type is known here (a literal, or a single reference to a
/// typed output, a param or `run.*`) that the child's param would refuse is
/// `type-mismatch`. Literals are typed exactly as `--param` types them at
/// run time (`ParamOverride`), so lint and run agree.
struct TriggerParamMismatch: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        for (t, task) in context.spec.tasks.enumerated() where !task.triggerParams.isEmpty {
            guard let target = task.trigger, let entry = context.pipelines.resolve(target.value, from: context.spec.file) else { continue }
            var builder = ContractsBuilder(spec: entry.spec, graph: entry.graph)
            builder.loadParams(context.files)
            // A child whose params file is missing or broken: its own lint says so.
            guard !builder.paramsIncomplete else { continue }
            let childParams = builder.params
            let child = quoted(target.value)
            for (slot, param) in task.triggerParams.enumerated() {
                let path = param.path.value.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                let place = "trigger param \(quoted(param.path.value)) of task \(quoted(task.name.value))"
                switch childParams.lookup(path) {
                case .missing(let depth, let candidates):
                    let parent = path[..<depth].joined(separator: ".")
                    let message = depth == 0
                        ? "\(place): pipeline \(child) has no param \(quoted(path[depth]))"
                        : "\(place): params.\(parent) of pipeline \(child) has no key \(quoted(path[depth]))"
                    if let suggestion = Spelling.suggestion(for: path[depth], among: candidates) {
                        sink.emit(.unknownParam, at: param.path.range, message,
                                  help: "did you mean \(quoted((path[..<depth] + [suggestion]).joined(separator: ".")))?")
                    } else {
                        let notes = candidates.isEmpty
                            ? ["pipeline \(child) declares no params\(depth == 0 ? "" : " under params.\(parent)")"]
                            : ["\(depth == 0 ? "params" : "params." + parent) of pipeline \(child) has: " + candidates.joined(separator: ", ")]
                        sink.emit(.unknownParam, at: param.path.range, message, notes: notes)
                    }
                case .notSection(let depth, let found):
                    let parent = path[..<depth].joined(separator: ".")
                    sink.emit(.unknownParam, at: param.path.range,
                              "\(place): params.\(parent) of pipeline \(child) is \(found.kindDescription), not a section",
                              notes: ["params.\(parent) is set at \(position(found.file, found.range))"])
                case .found(let replaced):
                    guard let problem = mismatch(param, slot: slot, task: t, replacing: replaced, context) else { continue }
                    sink.emit(.typeMismatch, at: param.value.range, "\(place): \(problem)",
                              notes: ["params.\(param.path.value) of pipeline \(child) is \(replaced.kindDescription), set at \(position(replaced.file, replaced.range))"])
                }
            }
        }
    }

    /// Why the value cannot replace `replaced`, when its type is known and wrong.
    private func mismatch(_ param: TriggerParamSpec, slot: Int, task: Int, replacing replaced: ParamEntry, _ context: CheckContext) -> String? {
        let text = param.value.scalar?.text ?? ""
        let path = param.path.value.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let template = context.contracts.templates.template(.triggerParam(slot), of: task, in: context.contracts.references) else {
            // All literal text: typed now exactly as it will be at run time.
            do {
                _ = try ParamOverride(path: path, text: text, origin: "trigger param").typedReplacement(for: replaced.json)
                return nil
            } catch {
                return "\(quoted(text)) is not \(replaced.kindDescription)"
            }
        }
        // One reference and nothing around it: the value has that reference's type.
        guard template.references.count == 1, template.texts.allSatisfy(\.isEmpty), let reference = template.references.first else {
            return Self.acceptsText(replaced) ? nil : "text with references is a string, not \(replaced.kindDescription)"
        }
        let written = "{{ \(reference.scanned.path.joined(separator: ".")) }}"
        switch reference.resolution {
        case .output(_, let output):
            return Self.accepts(replaced, output.type) ? nil : "\(written) is \(output.type), not \(replaced.kindDescription)"
        case .param(_, let source):
            return Self.accepts(replaced, source) ? nil : "\(written) is \(source.kindDescription), not \(replaced.kindDescription)"
        case .runID, .runDate:
            return Self.acceptsText(replaced) ? nil : "\(written) is a string, not \(replaced.kindDescription)"
        case .index:
            return Self.accepts(replaced, .int) ? nil : "\(written) is an integer, not \(replaced.kindDescription)"
        default:
            return nil  // `item` (its element type is not known here) or a reference another rule reports
        }
    }

    /// A string (or null) param takes any rendered text, as `--param` does.
    private static func acceptsText(_ replaced: ParamEntry) -> Bool {
        switch replaced.value {
        case .scalar(.string), .scalar(.null): true
        default: false
        }
    }

    private static func accepts(_ replaced: ParamEntry, _ type: ValueType) -> Bool {
        if acceptsText(replaced) || type == .json { return true }
        switch (replaced.value, type) {
        case (.scalar(.int), .int), (.scalar(.float), .int), (.scalar(.float), .float), (.scalar(.bool), .bool), (.list, .list): return true
        default: return false
        }
    }

    private static func accepts(_ replaced: ParamEntry, _ source: ParamEntry) -> Bool {
        if acceptsText(replaced) { return true }
        switch (replaced.value, source.value) {
        case (.scalar(.int), .scalar(.int)), (.scalar(.float), .scalar(.int)), (.scalar(.float), .scalar(.float)),
             (.scalar(.bool), .scalar(.bool)), (.list, .list), (.map, .map): return true
        default: return false
        }
    }
}
