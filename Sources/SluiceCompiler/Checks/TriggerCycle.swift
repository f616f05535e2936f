import SluiceDiagnostics
import SluiceSpec

/// `trigger-cycle`: pipelines that trigger each other unconditionally (the
/// trigger task is not behind a branch), so one run starts the next forever.
struct TriggerCycle: SpecCheck {
    func check(_ context: SpecContext, into sink: inout DiagnosticSink) {
        let index = context.pipelines
        guard let me = context.spec.pipeline?.value,
              let start = index.resolveIndex(me, from: context.spec.file),
              index.entries[start].file == context.spec.file else { return }
        for (t, task) in context.spec.tasks.enumerated() {
            guard let target = task.trigger, !context.flow.isConditional(t),
                  let next = index.resolveIndex(target.value, from: context.spec.file),
                  let path = path(from: next, to: start, index) else { continue }
            let names = [me] + path.map { index.entries[$0].spec.pipeline?.value ?? "?" }
            sink.emit(.triggerCycle, at: target.range,
                      "pipeline \(quoted(me)) triggers \(quoted(target.value)) unconditionally, and the triggers lead back: \(names.joined(separator: " -> "))",
                      notes: ["each run would start the next one, forever"],
                      help: "put the trigger behind a branch, or remove one of the triggers")
        }
    }

    /// Pipelines from `from` to `to` along unconditional triggers (both ends included), if any.
    private func path(from: Int, to: Int, _ index: PipelineIndex) -> [Int]? {
        var previous: [Int: Int] = [from: from]
        var queue = [from], head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            if node == to {
                var path = [node], at = node
                while at != from, let p = previous[at] { path.append(p); at = p }
                return path.reversed()
            }
            let entry = index.entries[node]
            for (t, task) in entry.spec.tasks.enumerated() {
                guard let target = task.trigger, !entry.flow.isConditional(t),
                      let next = index.resolveIndex(target.value, from: entry.file), previous[next] == nil else { continue }
                previous[next] = node
                queue.append(next)
            }
        }
        return nil
    }
}
