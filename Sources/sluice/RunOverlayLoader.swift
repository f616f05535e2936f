import Foundation
import SluiceExecutor
import SluiceGraph
import SluicePlan
import SluiceBasics

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
        return overlay(record, runID: run.runID, plan: plan)
    }

    /// The plan's workspace as the plan names it (relative to where sluice runs).
    private static func store(_ plan: Plan) -> RunStore { RunStore(workspace: plan.workspace.isEmpty ? "." : plan.workspace) }

    /// Where the runs of `plan`'s pipeline are, for messages.
    static func runsDirectory(_ plan: Plan) -> String { store(plan).runsRoot + "/" + plan.pipeline }

    /// The last state of each task instance, folded per task: a mapped task
    /// (declared `foreach`, or journaled with a map index or a `mapped`
    /// count) by `TaskRunStatus.mapped`, any other by its own state.
    static func overlay(_ record: RunRecord, runID: String, plan: Plan) -> RunOverlay {
        var taskLevel: [String: TaskState] = [:]
        var indexed: [String: [(Int, TaskState)]] = [:]
        for instance in record.instances {
            if let index = instance.key.mapIndex {
                indexed[instance.key.task, default: []].append((index, instance.state))
            } else {
                taskLevel[instance.key.task] = instance.state
            }
        }
        // Per task, the data checks that failed in its instances' latest attempts with checks.
        var failedChecks: [String: Set<String>] = [:]
        for instance in record.instances {
            for check in instance.checks?.arrayValue ?? [] where check["status"]?.stringValue == "failed" {
                if let label = check["label"]?.stringValue { failedChecks[instance.key.task, default: []].insert(label) }
            }
        }
        // Per mapped task, its failed instances by label (the index when the journal has no labels).
        var failedInstances: [String: [String]] = [:]
        for instance in record.instances.sorted(by: { $0.key < $1.key })
        where instance.key.mapIndex != nil && instance.state == .failed {
            failedInstances[instance.key.task, default: []].append(instance.label ?? String(instance.key.mapIndex ?? 0))
        }
        var tasks: [String: TaskRunStatus] = [:]
        for task in plan.tasks {
            let level = taskLevel[task.id]
            let expected = record.mappedCounts[task.id]
            if task.isMapped || expected != nil || indexed[task.id] != nil {
                let instances = (indexed[task.id] ?? []).sorted { $0.0 < $1.0 }.map(\.1)
                tasks[task.id] = TaskRunStatus.mapped(instances: instances, expected: expected, taskLevel: level)
            } else if let level {
                tasks[task.id] = TaskRunStatus(state: level)
            }
            if let failed = failedChecks[task.id], !failed.isEmpty { tasks[task.id]?.failedChecks = failed.sorted() }
            if let failed = failedInstances[task.id] { tasks[task.id]?.failedInstances = failed }
        }
        return RunOverlay(runID: runID, runState: record.finishedState?.rawValue, tasks: tasks)
    }
}
