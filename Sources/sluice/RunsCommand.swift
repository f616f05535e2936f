import ArgumentParser
import Foundation
import SluiceExecutor
import SluicePlan

/// `sluice runs [PIPELINE]`: the recorded runs, newest first.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List recorded runs, newest first.",
        discussion: """
            Runs are looked up in the workspaces found from the current directory (it, its parents, \
            and its subdirectories two levels down), or in --workspace.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Argument(help: "Only runs of this pipeline.")
    var pipeline: String?

    @Option(help: "table or json.")
    var format: Format = .table

    @Option(help: "Look for runs in this workspace only.")
    var workspace: String?

    @Option(help: "Show at most N runs (default 50).")
    var limit = 50

    func run() throws {
        let catalog = RunCatalog(workspaces: workspace.map { [$0] } ?? RunCatalog.discoverWorkspaces(from: "."))
        var rows: [(RunDirectory, RunRecord, PipelineRunState)] = []
        for run in catalog.runs(pipeline: pipeline).prefix(max(0, limit)) {
            do {
                let record = try catalog.record(of: run)
                rows.append((run, record, catalog.state(of: record, run)))
            } catch {
                // Listed without it, but not silently: `show` of the same run says the same.
                writeErr("warning: left out run \(run.runID): \(error.message)\n")
            }
        }
        switch format {
        case .json:
            let runs: [JSON] = rows.map { run, record, state in RunsReport.entry(record, state: state, directory: run) }
            writeOut(RunsReport.json(runs).pretty())
        case .table:
            guard !rows.isEmpty else {
                writeOut("no runs recorded\(pipeline.map { " for \($0)" } ?? "")\n")
                return
            }
            var table: [[String]] = [["run id", "pipeline", "state", "started", "took", "tasks"]]
            for (_, record, state) in rows {
                let took = record.end.map { RunProgress.seconds($0 - record.start) } ?? "-"
                let counts = record.stateCounts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }
                let name = record.pipeline + (record.parentRunID == nil ? "" : " (child)")
                table.append([record.runID, name, state.rawValue, Timestamp.iso(record.start), took, counts.joined(separator: ", ")])
            }
            let widths = (0..<6).map { column in table.map { $0[column].count }.max() ?? 0 }
            var text = ""
            for row in table {
                let cells = row.enumerated().map { column, cell in column == 5 ? cell : pad(cell, widths[column]) }
                text += RunSummary.trimmingHorizontalSpace(cells.joined(separator: "  ")) + "\n"
            }
            writeOut(text)
        }
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}
