import Foundation
import SluiceExecutor
import SluiceGraph
import SluicePlan
import SluiceBasics
import SluiceWeb

/// Reads a run of a plan's pipeline into the overlay `sluice graph --run`
/// colours the graph by. The run is found and its journal replayed by the
/// workspace's `RunStore` (the one `latest`, the one journal reader and its
/// version rule: docs/executor.md "The run directory"); the graph library
/// only sees the result.
enum RunOverlayLoader {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The run `runID` (or the newest run, for `latest`) of `plan`'s
    /// pipeline; nil when that pipeline has no such run.
    /// - Parameter warn: told about lines that are skipped, with file and line.
    static func load(plan: Plan, runID: String, warn: (String) -> Void) throws(Failure) -> RunOverlay? {
        let store = store(plan)
        let run: RunDirectory
        if runID == "latest" {
            guard let newest = store.latest(pipeline: plan.pipeline) else { return nil }
            run = newest
        } else {
            guard !runID.isEmpty, !runID.contains("/"), runID != ".", runID != ".." else {
                throw Failure("\"\(runID)\" is not a run id (a run id is a directory name under \(runsDirectory(plan)))")
            }
            guard let found = store.find(runID, pipeline: plan.pipeline) else { return nil }
            run = found
        }
        let record: RunRecord
        do { record = try store.record(of: run) } catch { throw Failure(error.message) }
        for line in record.unreadableLines { warn("\(run.journal):\(line): skipped a line that is not a journal event this sluice reads") }
        return RunOverlays.overlay(record, runID: run.runID, plan: plan)
    }

    /// The plan's workspace as the plan names it (relative to where sluice runs).
    private static func store(_ plan: Plan) -> RunStore { RunStore(workspace: plan.workspace.isEmpty ? "." : plan.workspace) }

    /// Where the runs of `plan`'s pipeline are, for messages.
    static func runsDirectory(_ plan: Plan) -> String { store(plan).runsRoot + "/" + plan.pipeline }
}
