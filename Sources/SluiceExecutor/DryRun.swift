import SluicePlan
import SluiceBasics

/// `sluice run --dry-run`: what would run, in start order, with each command
/// rendered as far as it can be before the run (params, items and indexes
/// filled in; upstream outputs shown as `<task.output>`). Nothing is written.
public enum DryRun {
    public static func describe(_ plan: Plan, maxActive: Int?) throws(ExecutorError) -> String {
        let graph: RunGraph
        do { graph = try RunGraph(plan) } catch { throw ExecutorError("invalid plan: \(error.message)") }
        let order = graph.order.indices.sorted { graph.order[$0] < graph.order[$1] }
        var out = "pipeline \(plan.pipeline): \(plan.tasks.count) task\(plan.tasks.count == 1 ? "" : "s"), "
        if let limit = maxActive ?? plan.maxActiveTasks {
            out += "workspace \(plan.workspace), at most \(limit) at once\n"
        } else {
            out += "workspace \(plan.workspace), at most one per core at once\n"
        }
        for index in order {
            out += describe(graph.tasks[index], plan: plan, priority: graph.priority[index])
        }
        return out
    }

    private static func describe(_ task: PlanTask, plan: Plan, priority: Int) -> String {
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
