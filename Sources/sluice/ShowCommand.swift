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
            two levels down), or in --workspace. `--format json` is a stable shape (docs/executor.md).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Argument(help: "A run id, or latest.")
    var runID: String

    @Option(help: "table or json.")
    var format: Format = .table

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
        switch format {
        case .json:
            writeOut(ShowReport.json(record, state: state, directory: run, taskOrder: order).pretty())
        case .table:
            writeOut(Self.table(record, state: state, run: run, order: order, color: color.enabled()))
        }
    }

    static func table(_ record: RunRecord, state: PipelineRunState, run: RunDirectory, order: [String], color: Bool) -> String {
        var text = "run \(record.runID) of \(record.pipeline): \(state.rawValue)\n"
        let took = record.end.map { " (took \(RunProgress.seconds($0 - record.start)))" } ?? ""
        text += "started \(Timestamp.iso(record.start))\(took)\n"
        text += "records \(RunProgress.relative(run.path))\n"
        if let parent = record.parentRunID { text += "triggered by \(parent)\n" }
        for (path, value) in record.triggerParams?.objectValue ?? [] { text += "param \(path) = \(value.compact()) (from the trigger)\n" }
        for child in record.childRuns { text += "child run \(child.childRunID) (\(child.pipeline)) from task \(child.task)\n" }
        text += "\n" + RunSummary.table(record, taskOrder: order, color: color)
        let instances = record.orderedInstances(taskOrder: order)
        let withOutputs = instances.filter { ($0.outputs.objectValue ?? []).count > 0 }
        if !withOutputs.isEmpty && withOutputs.count <= 40 {
            text += "\noutputs\n"
            for instance in withOutputs {
                for (name, value) in instance.outputs.objectValue ?? [] {
                    let shown = value.stringValue.map(RunProgress.relative) ?? value.compact()
                    text += "  \(instance.name).\(name) = \(shown.count > 100 ? String(shown.prefix(100)) + "…" : shown)\n"
                }
            }
        }
        text += checksSection(instances)
        let failed = instances.filter { $0.state == .failed }
        if !failed.isEmpty {
            text += "\nfailures\n"
            for instance in failed.prefix(20) {
                let last = instance.attempts.last
                text += "  \(instance.name) (try \(last?.attempt ?? 0)): \(instance.message ?? last?.message ?? "failed")\n"
                if let log = last?.log { text += "    log: \(RunProgress.relative(run.path + "/" + log))\n" }
            }
        }
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
