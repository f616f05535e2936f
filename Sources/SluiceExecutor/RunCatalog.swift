import Foundation
import SluicePlan

/// The recorded runs of one or more workspaces, for `sluice runs`, `sluice
/// show` and `sluice cache gc`: each workspace's `RunStore`, merged in the
/// store's order, with the store's `latest`.
public struct RunCatalog {
    public let stores: [RunStore]

    public var workspaces: [String] { stores.map(\.workspace) }

    public init(workspaces: [String]) {
        var seen = Set<String>()
        stores = workspaces.compactMap { RunFiles.realPath($0) }.filter { seen.insert($0).inserted }.map(RunStore.init(workspace:))
    }

    /// Directories that hold `.sluice/runs`: `start` and its parents (as git
    /// finds `.git`), then its subdirectories two levels down (where the
    /// example specs put their workspace), hidden and build directories skipped.
    public static func discoverWorkspaces(from start: String) -> [String] {
        func hasRuns(_ directory: String) -> Bool { RunFiles.exists(RunStore(workspace: directory).runsRoot) }
        var found: [String] = []
        var directory = RunFiles.realPath(start) ?? start
        while true {
            if hasRuns(directory) { found.append(directory) }
            let parent = (directory as NSString).deletingLastPathComponent
            if parent == directory || parent.isEmpty { break }
            directory = parent
        }
        var level = [RunFiles.realPath(start) ?? start]
        for _ in 0..<2 {
            var next: [String] = []
            for dir in level {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
                for name in names.sorted() where !name.hasPrefix(".") && name != "node_modules" && name != "Build" {
                    let path = dir + "/" + name
                    var isDirectory: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
                    if hasRuns(path) { found.append(path) }
                    next.append(path)
                }
            }
            level = next
        }
        return found
    }

    /// Every run, newest first (`RunStore.newestFirst`); `pipeline` narrows to one pipeline.
    public func runs(pipeline: String? = nil) -> [RunDirectory] {
        RunStore.newestFirst(stores.flatMap { $0.runs(pipeline: pipeline) })
    }

    /// The run with this id, or `latest` (`RunStore.latest(among:)`) over every pipeline.
    public func find(_ id: String) -> RunDirectory? {
        if id == "latest" { return RunStore.latest(among: runs()) }
        return runs().first { $0.runID == id }
    }

    /// The run replayed from its journal (the one reader).
    public func record(of run: RunDirectory) throws(ExecutorError) -> RunRecord {
        try RunStore(workspace: run.workspace).record(of: run)
    }

    /// The task order of the run's plan (for listing instances), if a sound plan was kept.
    public func taskOrder(of run: RunDirectory) -> [String] {
        RunStore(workspace: run.workspace).storedPlan(of: run)?.tasks.map(\.id) ?? []
    }

    /// The run's state, asking the journal's lock only when the journal has no end.
    public func state(of record: RunRecord, _ run: RunDirectory) -> PipelineRunState {
        RunStore(workspace: run.workspace).state(of: record, run)
    }
}

/// `sluice show --format json` (DESIGN.md, stable): exactly these keys.
public enum ShowReport {
    /// `onlyTask`: the instances of that task alone (`sluice show --task`), in the same shape.
    public static func json(_ record: RunRecord, state: PipelineRunState, directory: RunDirectory, taskOrder: [String],
                            onlyTask: String? = nil) -> JSON {
        let instances = record.orderedInstances(taskOrder: taskOrder).filter { onlyTask == nil || $0.key.task == onlyTask }
        let tasks: [JSON] = instances.map { instance in
            let attempts: [JSON] = instance.attempts.map { attempt in
                .object([
                    ("try", .int(Int64(attempt.attempt))),
                    ("state", .string(attempt.state.rawValue)),
                    ("exit_code", attempt.exitCode.map { .int(Int64($0)) } ?? .null),
                    ("start", attempt.start.map { .string(Timestamp.iso($0)) } ?? .null),
                    ("end", attempt.end.map { .string(Timestamp.iso($0)) } ?? .null),
                    // An attempt that wrote nothing has no log (its file went on to a later attempt).
                    ("log", attempt.logBytes == 0 ? .null : attempt.log.map { .string(directory.path + "/" + $0) } ?? .null),
                ])
            }
            return .object([
                ("task", .string(instance.key.task)),
                ("map_index", instance.key.mapIndex.map { .int(Int64($0)) } ?? .null),
                ("label", instance.label.map(JSON.string) ?? .null),
                ("item", instance.item ?? .null),
                ("state", .string(instance.state.rawValue)),
                ("cache_hit", .bool(instance.cacheHit)),
                ("outputs", instance.outputs),
                ("attempts", .array(attempts)),
            ] + (instance.checks.map { [("checks", $0)] } ?? []))  // only for tasks with data checks
        }
        var members: [(String, JSON)] = [
            ("version", .int(1)),
            ("run_id", .string(record.runID)),
            ("pipeline", .string(record.pipeline)),
            ("state", .string(state.rawValue)),
            ("parent_run_id", record.parentRunID.map(JSON.string) ?? .null),
        ]
        // Only for a run a trigger started with params: other runs print as before.
        if let given = record.triggerParams { members.append(("trigger_params", given)) }
        members += [
            ("child_runs", .array(record.childRuns.map { .string($0.childRunID) })),
            ("tasks", .array(tasks)),
        ]
        return .object(members)
    }
}
