import ArgumentParser
import Foundation
import SluiceExecutor
import SluicePlan

/// `sluice show RUN_ID|latest`: one recorded run, replayed from its journal.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one run: task states, attempts, outputs and logs.",
        discussion: """
            RUN_ID may be `latest`, the newest run (not counting a child run whose parent is here too). Runs are looked up in \
            the workspaces found from the current directory (it, its parents, and its subdirectories \
            two levels down), or in --workspace. `--format json` is a stable shape (docs/executor.md). \
            A mapped task is one row with its instances counted by state, the failed ones listed \
            below; --task NAME shows one task, each map instance on its own row (in JSON, only its instances).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Argument(help: "A run id, or latest.")
    var runID: String

    @Option(help: "table or json.")
    var format: Format = .table

    @Option(help: "Show only this task (each of its map instances on its own row).")
    var task: String?

    @Option(help: "Look for runs in this workspace only.")
    var workspace: String?

    @Option(help: "Colour output: auto, always or never.")
    var color: ColorChoice = .auto

    func run() throws {
        let catalog = RunCatalog(workspaces: workspace.map { [$0] } ?? RunCatalog.discoverWorkspaces(from: "."))
        guard let run = catalog.find(runID) else {
            let places = catalog.workspaces.isEmpty ? "no .sluice/runs found from here" : "looked in " + catalog.workspaces.map(RunProgress.relative).joined(separator: ", ")
            throw failUsageOrIO(runID == "latest" ? "no runs recorded (\(places))" : "no run \(runID) (\(places))")
        }
        let record: RunRecord
        do { record = try catalog.record(of: run) } catch { throw failUsageOrIO(error.message) }
        let state = catalog.state(of: record, run)
        let order = catalog.taskOrder(of: run)
        if let task, !record.taskNames(taskOrder: order).contains(task) {
            throw failUsageOrIO("run \(record.runID) has no task \(task) (\(record.taskNames(taskOrder: order).joined(separator: ", ")))")
        }
        switch format {
        case .json:
            writeOut(ShowReport.json(record, state: state, directory: run, taskOrder: order, onlyTask: task).pretty())
        case .table:
            var text = Self.table(record, state: state, run: run, order: order, color: color.enabled(), onlyTask: task)
            let spec = RunStore(workspace: run.workspace).storedPlan(of: run).flatMap { RunSummary.specPath(of: $0, workspace: run.workspace) }
            if let next = RunSummary.nextStep(state, spec: spec ?? "SPEC", runID: record.runID) { text += "\n" + next + "\n" }
            writeOut(text)
        }
    }

    static func table(_ record: RunRecord, state: PipelineRunState, run: RunDirectory, order: [String], color: Bool,
                      onlyTask: String? = nil) -> String {
        var text = "run \(record.runID) of \(record.pipeline): \(state.rawValue)\n"
        let took = record.end.map { " (took \(RunProgress.seconds($0 - record.start)))" } ?? ""
        text += "started \(Timestamp.iso(record.start))\(took)\n"
        text += "records \(RunProgress.relative(run.path))\n"
        if let parent = record.parentRunID { text += "triggered by \(parent)\n" }
        for (path, value) in record.triggerParams?.objectValue ?? [] { text += "param \(path) = \(value.compact()) (from the trigger)\n" }
        for child in record.childRuns { text += "child run \(child.childRunID) (\(child.pipeline)) from task \(child.task)\n" }
        let instances = record.orderedInstances(taskOrder: order).filter { onlyTask == nil || $0.key.task == onlyTask }
        if onlyTask != nil {
            text += "\n" + RunSummary.render(RunSummary.instanceRows(instances), color: color)
        } else {
            text += "\n" + RunSummary.table(record, taskOrder: order, color: color)
        }
        text += outputsSection(instances, runID: record.runID, folding: onlyTask == nil)
        text += checksSection(instances)
        let failed = instances.filter { $0.state == .failed }
        if !failed.isEmpty {
            text += "\nfailures\n"
            for instance in failed.prefix(20) {
                let last = instance.attempts.last
                text += "  \(instance.name) (try \(last?.attempt ?? 0)): \(instance.message ?? last?.message ?? "failed")\n"
                if let log = last?.log, last?.logBytes != 0 { text += "    log: \(RunProgress.relative(run.path + "/" + log))\n" }
            }
        }
        return text
    }

    /// Most output lines listed; past that the section says how many are left out.
    static let outputLineLimit = 40

    /// `outputs`: each instance's outputs; with `folding`, a mapped task's
    /// instances are one line that says how to list them (`--task`).
    static func outputsSection(_ instances: [RunRecord.InstanceRecord], runID: String, folding: Bool) -> String {
        var lines: [String] = []
        var foldedTasks: [String: Int] = [:]
        var foldOrder: [String] = []
        for instance in instances where (instance.outputs.objectValue ?? []).count > 0 {
            if folding && instance.key.mapIndex != nil {
                if foldedTasks[instance.key.task] == nil { foldOrder.append(instance.key.task) }
                foldedTasks[instance.key.task, default: 0] += 1
                continue
            }
            for (name, value) in instance.outputs.objectValue ?? [] {
                let shown = value.stringValue.map(RunProgress.relative) ?? value.compact()
                lines.append("  \(instance.name).\(name) = \(shown.count > 100 ? String(shown.prefix(100)) + "…" : shown)")
            }
        }
        for task in foldOrder {
            let count = foldedTasks[task] ?? 0
            lines.append("  \(task)[*]: outputs of \(count) instance\(count == 1 ? "" : "s") (sluice show \(runID) --task \(task))")
        }
        guard !lines.isEmpty else { return "" }
        // Asked for one task (`--task`, not folding), every instance's outputs are listed.
        let limit = folding ? outputLineLimit : Int.max
        var text = "\noutputs\n" + lines.prefix(limit).joined(separator: "\n") + "\n"
        if lines.count > limit { text += "  … and \(lines.count - outputLineLimit) more (sluice show \(runID) --format json has them all)\n" }
        return text
    }

    /// `checks`: each data check of the latest attempt that ran them, and what it found.
    static func checksSection(_ instances: [RunRecord.InstanceRecord]) -> String {
        let withChecks = instances.filter { ($0.checks?.arrayValue ?? []).count > 0 }
        guard !withChecks.isEmpty else { return "" }
        var text = "\nchecks\n"
        for instance in withChecks.prefix(40) {
            for check in instance.checks?.arrayValue ?? [] {
                let output = check["output"]?.stringValue ?? "?", label = check["label"]?.stringValue ?? "?"
                let status = check["status"]?.stringValue ?? "?"
                let failing = check["failing_rows"]?.intValue ?? 0, rows = check["rows"]?.intValue ?? 0
                let counts = status == "passed" ? "\(rows) rows" : (check["check"]?.stringValue == "rows" ? "\(rows) rows" : "\(failing) of \(rows) rows")
                text += "  \(instance.key).\(output) \(label): \(status) (\(counts))\n"
            }
        }
        return text
    }
}
