import SluicePlan
import SluiceBasics

/// `sluice run --dry-run`: what would run, in start order, with each command
/// rendered as far as it can be before the run (params, items and indexes
/// filled in; upstream outputs shown as `<task.output>`), and with a
/// prediction (`Executor.predict`) each task's verdict and why, then the
/// summary line. Nothing is written.
public enum DryRun {
    public static func describe(_ plan: Plan, maxActive: Int?, prediction: Prediction? = nil, explain: Bool = false) throws(ExecutorError) -> String {
        let graph: RunGraph
        do { graph = try RunGraph(plan) } catch { throw ExecutorError("invalid plan: \(error.message)") }
        let order = graph.order.indices.sorted { graph.order[$0] < graph.order[$1] }
        var out = "pipeline \(plan.pipeline): \(plan.tasks.count) task\(plan.tasks.count == 1 ? "" : "s"), "
        if let limit = maxActive ?? plan.maxActiveTasks {
            out += "workspace \(plan.workspace), at most \(limit) at once\n"
        } else {
            out += "workspace \(plan.workspace), at most one per core at once\n"
        }
        let predicted = Dictionary(grouping: prediction?.instances ?? [], by: \.task)
        for index in order {
            let task = graph.tasks[index]
            out += describe(task, plan: plan, priority: graph.priority[index], predicted: prediction == nil ? nil : predicted[task.id] ?? [])
        }
        guard let prediction else { return out }
        if explain {
            out += "\n" + prediction.instances.map { "\($0.name): \(verdictText($0.verdict)): \($0.reason)" }.joined(separator: "\n") + "\n"
        }
        return out + "\n" + prediction.summary + "\n"
    }

    /// The lead of a verdict, as the listing and `--explain` print it.
    public static func verdictText(_ verdict: PredictedInstance.Verdict) -> String {
        switch verdict {
        case .run: "would run"
        case .cached: "cached"
        case .skipped: "skipped"
        case .failed: "would fail"
        case .upstreamFailed: "upstream_failed"
        }
    }

    /// How many instance names one line lists before `… and N more`.
    static let namesShown = 8

    /// The verdict lines of one task: one line for an unmapped task; for a
    /// mapped one, its instances grouped by verdict (each that would run with its reason).
    private static func verdictLines(_ predicted: [PredictedInstance]) -> [String] {
        if predicted.count == 1, let only = predicted.first, only.mapIndex == nil {
            return ["  \(verdictText(only.verdict)): \(only.reason)"]
        }
        var lines: [String] = []
        for verdict in [PredictedInstance.Verdict.cached, .skipped, .failed, .upstreamFailed] {
            let names = predicted.filter { $0.verdict == verdict }.map(\.name)
            guard !names.isEmpty else { continue }
            let more = names.count > namesShown ? ", … and \(names.count - namesShown) more" : ""
            lines.append("  \(verdictText(verdict)) \(names.count): " + names.prefix(namesShown).joined(separator: ", ") + more)
        }
        let running = predicted.filter { $0.verdict == .run }
        for instance in running.prefix(namesShown) { lines.append("  would run \(instance.name): \(instance.reason)") }
        if running.count > namesShown { lines.append("  … and \(running.count - namesShown) more would run") }
        return lines
    }

    private static func describe(_ task: PlanTask, plan: Plan, priority: Int, predicted: [PredictedInstance]?) -> String {
        var head = "\n\(task.id)"
        if !task.needs.isEmpty { head += "  needs \(task.needs.joined(separator: ", "))" }
        if task.triggerRule != .allSuccess { head += "  [\(task.triggerRule.rawValue)]" }
        if let pool = task.pool { head += "  pool \(pool)" }
        var lines = [head]
        var items: [JSON?] = [nil]
        switch task.foreach {
        case .param(let path)?:
            let list = (try? TemplateRenderer.lookupParam(path, in: plan.params))?.arrayValue ?? []
            lines.append("  foreach params.\(path.joined(separator: ".")): \(list.count) instance\(list.count == 1 ? "" : "s")")
            items = list.isEmpty ? [] : list.map { $0 }
        case .output(let reference)?:
            lines.append("  foreach \(reference.task).\(reference.output): counted at run time")
            items = [.string("<item>")]
        case nil: break
        }
        if let predicted { lines += verdictLines(predicted) }
        switch task.kind {
        case .empty: lines.append("  (empty task)")
        case .trigger: lines.append("  triggers \(task.trigger?.pipeline ?? "?") (\(task.trigger?.spec ?? "?"))")
        case .command:
            for (i, item) in items.prefix(3).enumerated() {
                let context = RenderContext(params: plan.params, runID: "<run.id>", runDate: "<run.date>", item: item,
                                            index: task.isMapped ? i : nil,
                                            output: { reference throws(RenderError) in (.string("<\(reference.task).\(reference.output)>"), .string) })
                let command = task.run.map { (try? TemplateRenderer.shellCommand($0, context)) ?? "<cannot render>" } ?? ""
                lines.append("  $ " + TextLines.split(command).joined(separator: "\n    "))
            }
            if items.count > 3 { lines.append("  … and \(items.count - 3) more") }
        }
        var settings: [String] = []
        if task.retries > 0 { settings.append("retries \(task.retries) (\(task.retryBackoff.rawValue), \(task.retryDelayMilliseconds) ms)") }
        if let timeout = task.timeoutMilliseconds { settings.append("timeout \(timeout) ms") }
        if let branch = task.branch { settings.append("branch to \(branch.joined(separator: " or "))") }
        if !task.outputs.isEmpty { settings.append("outputs " + task.outputs.map { "\($0.name): \($0.type)" }.joined(separator: ", ")) }
        if !settings.isEmpty { lines.append("  " + settings.joined(separator: "; ")) }
        return lines.joined(separator: "\n") + "\n"
    }
}
