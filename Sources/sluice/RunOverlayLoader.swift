import Foundation
import SluiceGraph
import SluicePlan
import SluiceText

/// Reads a run's journal into the overlay `sluice graph --run` colours the
/// graph by. The journal is `<workspace>/.sluice/runs/<pipeline>/<run_id>/journal.jsonl`,
/// one compact JSON event per line, written by the executor (docs/graph.md
/// lists the events read here). The graph library only sees the result.
enum RunOverlayLoader {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The journal versions this reader understands (absent counts as 1).
    static let journalVersion: Int64 = 1

    /// The run `runID` (or the newest run, for `latest`) of `plan`'s
    /// pipeline; nil when that pipeline has no such run.
    /// - Parameter warn: told about lines that are skipped, with file and line.
    static func load(plan: Plan, runID: String, warn: (String) -> Void) throws(Failure) -> RunOverlay? {
        let runs = runsDirectory(plan)
        let chosen: String
        if runID == "latest" {
            guard let newest = newestRun(in: runs) else { return nil }
            chosen = newest
        } else {
            guard !runID.isEmpty, !runID.contains("/"), runID != ".", runID != ".." else {
                throw Failure("\"\(runID)\" is not a run id (a run id is a directory name under \(runs))")
            }
            chosen = runID
        }
        let journal = runs + "/" + chosen + "/journal.jsonl"
        guard let data = FileManager.default.contents(atPath: journal) else { return nil }
        var replay = JournalReplay()
        try replay.read(String(decoding: data, as: UTF8.self), path: journal, warn: warn)
        return replay.overlay(runID: chosen, plan: plan)
    }

    static func runsDirectory(_ plan: Plan) -> String {
        let workspace = plan.workspace.isEmpty ? "." : plan.workspace
        return workspace + "/.sluice/runs/" + plan.pipeline
    }

    /// The run whose `run_started` time is newest; a journal without a
    /// readable time falls back on its id (ids start with the start time).
    static func newestRun(in directory: String) -> String? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        var best: (key: String, id: String)?
        for name in names {
            let journal = directory + "/" + name + "/journal.jsonl"
            guard FileManager.default.fileExists(atPath: journal) else { continue }
            let key = startTime(journal).flatMap(timeKey) ?? runIDKey(name) ?? ""
            if best.map({ (key, name) > ($0.key, $0.id) }) ?? true { best = (key, name) }
        }
        return best?.id
    }

    /// The `time` of the first line, reading no more than its first 64 KiB.
    private static func startTime(_ journal: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: journal) else { return nil }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 65_536)) ?? Data()
        let line = head.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false).first ?? Data()
        guard let event = try? JSON.parse(String(decoding: line, as: UTF8.self)) else { return nil }
        return event["time"]?.stringValue
    }

    /// `2026-11-21T06:00:00.123Z` as digits that sort by time whatever the
    /// number of fraction digits (plain string order puts `.123Z` before `Z`).
    static func timeKey(_ time: String) -> String? {
        guard time.allSatisfy(\.isASCII), time.hasSuffix("Z"), time.count >= 20 else { return nil }
        let parts = time.dropLast().split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0].filter { $0 != "-" && $0 != ":" && $0 != "T" }
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        guard whole.count == 14, whole.allSatisfy(\.isNumber), fraction.count <= 9, fraction.allSatisfy(\.isNumber) else { return nil }
        return whole + fraction + String(repeating: "0", count: 9 - fraction.count)
    }

    /// `20261121T060000Z-3f9a` → the same key as its start time.
    static func runIDKey(_ id: String) -> String? {
        let prefix = id.prefix(16)
        guard prefix.count == 16, prefix.hasSuffix("Z") else { return nil }
        let whole = prefix.dropLast().filter { $0 != "T" }
        guard whole.count == 14, whole.allSatisfy(\.isNumber) else { return nil }
        return whole + String(repeating: "0", count: 9)
    }
}

/// The journal replayed: the last state of each task instance, the map
/// counts and the run's final state.
struct JournalReplay {
    private struct Instance: Hashable {
        var task: String
        var index: Int64?
    }

    private var last: [Instance: RunState] = [:]
    /// Per instance, the data checks its latest attempt with checks failed.
    private var failedChecks: [Instance: [String]] = [:]
    private var mappedCount: [String: Int] = [:]
    private var runState: String?

    /// Replays every line. The last line may have been cut short by a crash
    /// and is dropped quietly when it does not parse; any other bad line is
    /// skipped with a warning, since a drawing beats no drawing. Unknown
    /// events and states are ignored, so a newer executor's extra events do
    /// not break an older `sluice graph`.
    mutating func read(_ text: String, path: String, warn: (String) -> Void) throws(RunOverlayLoader.Failure) {
        let lines = TextLines.split(text)
        let lastContent = lines.lastIndex { !$0.allSatisfy(\.isWhitespace) }
        for (number, line) in lines.enumerated() where !line.allSatisfy(\.isWhitespace) {
            guard let event = try? JSON.parse(String(line)), let kind = event["event"]?.stringValue else {
                if number != lastContent { warn("\(path):\(number + 1): skipped a line that is not a journal event") }
                continue
            }
            try apply(kind, event)
        }
    }

    private mutating func apply(_ kind: String, _ event: JSON) throws(RunOverlayLoader.Failure) {
        switch kind {
        case "run_started":
            if let version = event["version"], version.intValue != RunOverlayLoader.journalVersion {
                throw RunOverlayLoader.Failure("journal version \(version.compact()) is not supported (this sluice reads version \(RunOverlayLoader.journalVersion))")
            }
        case "mapped":
            if let task = event["task"]?.stringValue, let count = event["count"]?.intValue, count >= 0 {
                mappedCount[task] = Int(clamping: count)
            }
        case "task":
            guard let task = event["task"]?.stringValue, let state = event["state"]?.stringValue.flatMap(RunState.init(rawValue:)),
                  state != .notRun else { return }
            last[Instance(task: task, index: event["map_index"]?.intValue)] = state
            if let checks = event["checks"]?.arrayValue {
                failedChecks[Instance(task: task, index: event["map_index"]?.intValue)] = checks
                    .filter { $0["status"]?.stringValue == "failed" }.compactMap { $0["label"]?.stringValue }
            }
        case "run_finished":
            runState = event["state"]?.stringValue
        default:
            break
        }
    }

    func overlay(runID: String, plan: Plan) -> RunOverlay {
        var indexed: [String: [(Int64, RunState)]] = [:]
        for (instance, state) in last {
            if let index = instance.index { indexed[instance.task, default: []].append((index, state)) }
        }
        var tasks: [String: TaskRunStatus] = [:]
        for task in plan.tasks {
            let taskLevel = last[Instance(task: task.id, index: nil)]
            if task.isMapped || mappedCount[task.id] != nil || indexed[task.id] != nil {
                let instances = (indexed[task.id] ?? []).sorted { $0.0 < $1.0 }.map(\.1)
                tasks[task.id] = TaskRunStatus.mapped(instances: instances, expected: mappedCount[task.id], taskLevel: taskLevel)
            } else if let taskLevel {
                tasks[task.id] = TaskRunStatus(state: taskLevel)
            }
            let failed = failedChecks.filter { $0.key.task == task.id }.sorted { ($0.key.index ?? -1) < ($1.key.index ?? -1) }
                .flatMap(\.value)
            if !failed.isEmpty { tasks[task.id]?.failedChecks = Array(Set(failed)).sorted() }
        }
        return RunOverlay(runID: runID, runState: runState, tasks: tasks)
    }
}
