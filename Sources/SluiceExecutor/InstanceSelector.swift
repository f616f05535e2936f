import SluicePlan

/// `fetch` or `download[AAPL]` as a user types it (`sluice logs`, `sluice
/// cat RUN:task[LABEL].output`, `sluice show --task`): a task name and, for a
/// map instance, the label the run recorded for it (or its index). It is only
/// ever compared with the instances a journal holds, never made into a path.
public struct InstanceSelector: Sendable, Equatable, CustomStringConvertible {
    public var task: String
    public var label: String?

    public init(task: String, label: String? = nil) {
        self.task = task
        self.label = label
    }

    /// `task` or `task[label]`; nil when the brackets do not close at the end.
    public init?(parsing text: String) {
        guard let open = text.firstIndex(of: "[") else {
            guard !text.isEmpty, !text.contains("]") else { return nil }
            self.init(task: text)
            return
        }
        guard text.hasSuffix("]"), open != text.startIndex else { return nil }
        let label = text[text.index(after: open)..<text.index(before: text.endIndex)]
        guard !label.isEmpty else { return nil }
        self.init(task: String(text[..<open]), label: String(label))
    }

    public var description: String { label.map { "\(task)[\($0)]" } ?? task }
}

extension RunRecord {
    /// The instance a selector names, or an error that says what the run has instead.
    public func instance(_ selector: InstanceSelector, taskOrder: [String] = []) throws(ExecutorError) -> InstanceRecord {
        let ofTask = orderedInstances(taskOrder: taskOrder).filter { $0.key.task == selector.task }
        guard !ofTask.isEmpty else { throw ExecutorError("run \(runID) has no task \(selector.task) (\(taskNames(taskOrder: taskOrder).joined(separator: ", ")))") }
        let mapped = ofTask.filter { $0.key.mapIndex != nil }
        guard let label = selector.label else {
            if let first = mapped.first { throw ExecutorError("\(selector.task) is mapped: name an instance, e.g. \(first.name)") }
            return ofTask[0]
        }
        guard !mapped.isEmpty else { throw ExecutorError("\(selector.task) is not mapped: name it without [\(label)]") }
        // The label the run recorded first; the index always works too.
        if let byLabel = mapped.first(where: { $0.label == label }) ?? mapped.first(where: { $0.key.mapIndex.map(String.init) == label }) {
            return byLabel
        }
        let known = mapped.prefix(10).map { $0.label ?? String($0.key.mapIndex ?? 0) }
        throw ExecutorError("\(selector.task) has no instance labelled \(label) (\(known.joined(separator: ", "))\(mapped.count > 10 ? ", …" : ""))")
    }

    /// The run's task names, in plan order where known, each once.
    public func taskNames(taskOrder: [String] = []) -> [String] {
        var seen = Set<String>()
        return orderedInstances(taskOrder: taskOrder).map(\.key.task).filter { seen.insert($0).inserted }
    }
}
