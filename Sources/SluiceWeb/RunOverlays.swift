import SluiceExecutor
import SluiceGraph
import SluicePlan

/// A run record folded into the overlay the graph renderers colour a
/// pipeline by: `sluice graph --run` and the UI's run graph draw the same states.
public enum RunOverlays {
    /// The last state of each task instance, folded per task: a mapped task
    /// (declared `foreach`, or journaled with a map index or a `mapped`
    /// count) by `TaskRunStatus.mapped`, any other by its own state.
    public static func overlay(_ record: RunRecord, runID: String, plan: Plan) -> RunOverlay {
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
                for state in instances { tasks[task.id]?.instanceCounts[state, default: 0] += 1 }
            } else if let level {
                tasks[task.id] = TaskRunStatus(state: level)
            }
            if let failed = failedChecks[task.id], !failed.isEmpty { tasks[task.id]?.failedChecks = failed.sorted() }
            if let failed = failedInstances[task.id] { tasks[task.id]?.failedInstances = failed }
        }
        return RunOverlay(runID: runID, runState: record.finishedState?.rawValue, tasks: tasks)
    }
}
