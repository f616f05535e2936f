import Foundation
import SluicePlan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The recorded runs under one or more workspaces, for `sluice runs` and
/// `sluice show`. Reads only: `journal.jsonl` (the truth) and `plan.json`.
public struct RunCatalog {
    /// A run found on disk, not yet read in full.
    public struct Entry: Sendable {
        public var directory: RunDirectory
        /// From the run id (which starts with the start time); sorts by time.
        public var sortKey: String { directory.runID }
    }

    public let workspaces: [String]

    public init(workspaces: [String]) {
        var seen = Set<String>()
        self.workspaces = workspaces.compactMap { RunFiles.realPath($0) }.filter { seen.insert($0).inserted }
    }

    /// Directories that hold `.sluice/runs`: `start` and its parents (as git
    /// finds `.git`), then its subdirectories two levels down (where the
    /// example specs put their workspace), hidden and build directories skipped.
    public static func discoverWorkspaces(from start: String) -> [String] {
        var found: [String] = []
        var directory = RunFiles.realPath(start) ?? start
        while true {
            if RunFiles.exists(RunDirectory.runsRoot(directory)) { found.append(directory) }
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
                    if RunFiles.exists(RunDirectory.runsRoot(path)) { found.append(path) }
                    next.append(path)
                }
            }
            level = next
        }
        return found
    }

    /// Every run, newest first; `pipeline` narrows to one pipeline.
    public func entries(pipeline: String? = nil) -> [Entry] {
        var entries: [Entry] = []
        for workspace in workspaces {
            let root = RunDirectory.runsRoot(workspace)
            let pipelines = pipeline.map { [$0] } ?? ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
            for name in pipelines where !name.hasPrefix(".") {
                let runs = (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + name)) ?? []
                for run in runs where !run.hasPrefix(".") {
                    let directory = RunDirectory(workspace: workspace, pipeline: name, runID: run)
                    if RunFiles.exists(directory.journal) { entries.append(Entry(directory: directory)) }
                }
            }
        }
        return entries.sorted { $0.sortKey > $1.sortKey }
    }

    /// The run with this id, or the newest for `latest`.
    public func find(_ id: String) -> Entry? {
        if id == "latest" { return entries().first { Self.isTopLevel($0) } ?? entries().first }
        return entries().first { $0.directory.runID == id }
    }

    /// `latest` means the newest run asked for, not a child run it started.
    private static func isTopLevel(_ entry: Entry) -> Bool {
        guard let head = RunFiles.readFile(entry.directory.journal).map({ $0.prefix { $0 != UInt8(ascii: "\n") } }),
              let json = try? JSON.parse(String(decoding: head, as: UTF8.self)) else { return true }
        return json["parent_run_id"]?.isNull ?? true
    }

    /// Replays the run's journal.
    public static func load(_ entry: Entry) throws(ExecutorError) -> RunRecord {
        guard let bytes = RunFiles.readFile(entry.directory.journal) else {
            throw ExecutorError("cannot read \(entry.directory.journal)")
        }
        return try RunRecord.replay(String(decoding: bytes, as: UTF8.self))
    }

    /// The task order of the run's plan (for listing instances), if the plan was kept.
    public static func taskOrder(_ entry: Entry) -> [String] {
        guard let bytes = RunFiles.readFile(entry.directory.plan),
              let plan = try? Plan(jsonText: String(decoding: bytes, as: UTF8.self)) else { return [] }
        return plan.tasks.map(\.id)
    }

    /// Whether the run's executor still holds its journal's lock: true while
    /// it runs, false once it ended or died (the kernel drops the lock), so a
    /// reused pid cannot fool it.
    public static func isLive(_ entry: Entry) -> Bool {
        let fd = open(entry.directory.journal, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    /// The run's state, asking the lock only when the journal has no end.
    public static func state(_ record: RunRecord, _ entry: Entry) -> RunState {
        record.finishedState ?? record.state(writerAlive: isLive(entry))
    }
}

/// `sluice show --format json` (DESIGN.md, stable): exactly these keys.
public enum ShowReport {
    public static func json(_ record: RunRecord, state: RunState, directory: RunDirectory, taskOrder: [String]) -> JSON {
        let tasks: [JSON] = record.orderedInstances(taskOrder: taskOrder).map { instance in
            let attempts: [JSON] = instance.attempts.map { attempt in
                .object([
                    ("try", .int(Int64(attempt.attempt))),
                    ("state", .string(attempt.state.rawValue)),
                    ("exit_code", attempt.exitCode.map { .int(Int64($0)) } ?? .null),
                    ("start", attempt.start.map { .string(Timestamp.iso($0)) } ?? .null),
                    ("end", attempt.end.map { .string(Timestamp.iso($0)) } ?? .null),
                    ("log", attempt.log.map { .string(directory.path + "/" + $0) } ?? .null),
                ])
            }
            return .object([
                ("task", .string(instance.key.task)),
                ("map_index", instance.key.mapIndex.map { .int(Int64($0)) } ?? .null),
                ("state", .string(instance.state.rawValue)),
                ("cache_hit", .bool(instance.cacheHit)),
                ("outputs", instance.outputs),
                ("attempts", .array(attempts)),
            ] + (instance.checks.map { [("checks", $0)] } ?? []))  // only for tasks with data checks
        }
        return .object([
            ("version", .int(1)),
            ("run_id", .string(record.runID)),
            ("pipeline", .string(record.pipeline)),
            ("state", .string(state.rawValue)),
            ("parent_run_id", record.parentRunID.map(JSON.string) ?? .null),
            ("child_runs", .array(record.childRuns.map { .string($0.childRunID) })),
            ("tasks", .array(tasks)),
        ])
    }
}
