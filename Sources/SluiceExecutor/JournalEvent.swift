import SluicePlan

/// One line of `journal.jsonl` (docs/executor.md "The journal"). The field
/// order of each line is fixed; readers ignore fields they do not know.
public enum JournalEvent: Equatable, Sendable {
    case runStarted(RunStarted)
    /// `labels` and `items` (masked), one per map instance, since issue 19;
    /// nil when read from an older journal (instances are then named by index).
    case mapped(task: String, count: Int, time: Int64, labels: [String]? = nil, items: [JSON]? = nil)
    case task(TaskEvent)
    case childRun(ChildRun)
    case runFinished(state: PipelineRunState, time: Int64)
    /// `--resume` continues the run: events after it belong to the resumed run.
    case runResumed(time: Int64, pid: Int32)

    /// The version written in `run_started`; `RunRecord.readableJournalVersions` is what is read.
    public static let formatVersion: Int64 = 1

    /// The `event` names of this format; a line of another kind is ignored by readers.
    static let kinds: Set<String> = ["run_started", "mapped", "task", "child_run", "run_finished", "run_resumed"]

    public struct RunStarted: Equatable, Sendable {
        public var runID: String
        public var pipeline: String
        public var time: Int64
        public var parentRunID: String?
        /// The spec's SHA-256, from the plan.
        public var sourceSHA256: String
        public var workspace: String
        public var pid: Int32
        /// The flags that decide which tasks run, for `--resume` to keep.
        public var flags = RunFlags()
        /// A child run's params its parent's trigger set (dotted path → value); nil for a run not triggered with params.
        public var triggerParams: JSON? = nil
    }

    /// What the run was started with that decides which tasks run (not how
    /// they are shown): `--resume` continues the run with the same.
    public struct RunFlags: Equatable, Sendable {
        public var force = false
        public var forceTasks: [String] = []
        public var noCache = false

        public init(force: Bool = false, forceTasks: [String] = [], noCache: Bool = false) {
            self.force = force
            self.forceTasks = forceTasks
            self.noCache = noCache
        }

        /// As a command line gives them: `--force --force-task a`.
        public var arguments: [String] {
            (force ? ["--force"] : []) + forceTasks.map { "--force-task \($0)" } + (noCache ? ["--no-cache"] : [])
        }

        /// The first flag typed with `--resume` that a run started with these
        /// was not (`--no-cache (it was started without it)`), or nil: flags
        /// not typed are kept, and each typed one must match.
        public func conflict(withTyped typed: RunFlags) -> String? {
            if typed.force && !force { return "--force (it was started without it)" }
            if typed.noCache && !noCache { return "--no-cache (it was started without it)" }
            if !typed.forceTasks.isEmpty && Set(typed.forceTasks) != Set(forceTasks) {
                let started = forceTasks.isEmpty ? "without --force-task" : "with " + forceTasks.map { "--force-task \($0)" }.joined(separator: " ")
                return typed.forceTasks.map { "--force-task \($0)" }.joined(separator: " ") + " (it was started \(started))"
            }
            return nil
        }
    }

    public struct TaskEvent: Equatable, Sendable {
        public var task: String
        public var mapIndex: Int?
        /// The attempt the event belongs to; 0 for states settled without one.
        public var attempt: Int
        public var state: TaskState
        public var time: Int64
        public var exitCode: Int32?
        public var outputs: JSON?
        public var message: String?
        public var cacheHit: Bool?
        /// Relative to the run directory.
        public var log: String?
        /// On an attempt's end: how many bytes of `log` are the attempt's own, from its start
        /// (0: it wrote nothing, and the file went on to a later attempt). Absent: read to the end.
        public var logBytes: Int?
        /// A failed attempt that will be retried after this many milliseconds.
        public var retryInMilliseconds: Int64?
        /// The instance's cache key, on `success` (when an entry was made) and `cached`.
        public var cacheKey: String?
        /// What the attempt's data checks found (one object per check), when its task has checks.
        public var checks: JSON?

        public init(task: String, mapIndex: Int?, attempt: Int, state: TaskState, time: Int64, exitCode: Int32? = nil,
                    outputs: JSON? = nil, message: String? = nil, cacheHit: Bool? = nil, log: String? = nil,
                    logBytes: Int? = nil, retryInMilliseconds: Int64? = nil, cacheKey: String? = nil, checks: JSON? = nil) {
            self.task = task
            self.mapIndex = mapIndex
            self.attempt = attempt
            self.state = state
            self.time = time
            self.exitCode = exitCode
            self.outputs = outputs
            self.message = message
            self.cacheHit = cacheHit
            self.log = log
            self.logBytes = logBytes
            self.retryInMilliseconds = retryInMilliseconds
            self.cacheKey = cacheKey
            self.checks = checks
        }
    }

    public struct ChildRun: Equatable, Sendable {
        public var task: String
        public var mapIndex: Int?
        public var childRunID: String
        public var time: Int64
        public var pipeline: String
        public var workspace: String
    }

    public func json() -> JSON {
        switch self {
        case .runStarted(let e):
            return .object([
                ("event", .string("run_started")), ("run_id", .string(e.runID)), ("pipeline", .string(e.pipeline)),
                ("time", .string(Timestamp.iso(e.time))), ("parent_run_id", e.parentRunID.map(JSON.string) ?? .null),
                ("version", .int(Self.formatVersion)), ("source_sha256", .string(e.sourceSHA256)),
                ("workspace", .string(e.workspace)), ("pid", .int(Int64(e.pid))),
                ("force", .bool(e.flags.force)), ("force_tasks", .array(e.flags.forceTasks.map(JSON.string))),
                ("no_cache", .bool(e.flags.noCache)),
            ] + (e.triggerParams.map { [("trigger_params", $0)] } ?? []))
        case .mapped(let task, let count, let time, let labels, let items):
            var members: [(String, JSON)] = [("event", .string("mapped")), ("task", .string(task)), ("count", .int(Int64(count))),
                                             ("time", .string(Timestamp.iso(time)))]
            if let labels { members.append(("labels", .array(labels.map(JSON.string)))) }
            if let items { members.append(("items", .array(items))) }
            return .object(members)
        case .task(let e):
            var members: [(String, JSON)] = [
                ("event", .string("task")), ("task", .string(e.task)), ("map_index", e.mapIndex.map { .int(Int64($0)) } ?? .null),
                ("try", .int(Int64(e.attempt))), ("state", .string(e.state.rawValue)), ("time", .string(Timestamp.iso(e.time))),
            ]
            if let code = e.exitCode { members.append(("exit_code", .int(Int64(code)))) }
            if let outputs = e.outputs { members.append(("outputs", outputs)) }
            if let message = e.message { members.append(("message", .string(message))) }
            if let hit = e.cacheHit { members.append(("cache_hit", .bool(hit))) }
            if let log = e.log { members.append(("log", .string(log))) }
            if let bytes = e.logBytes { members.append(("log_bytes", .int(Int64(bytes)))) }
            if let delay = e.retryInMilliseconds { members.append(("retry_in_ms", .int(delay))) }
            if let key = e.cacheKey { members.append(("cache_key", .string(key))) }
            if let checks = e.checks { members.append(("checks", checks)) }
            return .object(members)
        case .childRun(let e):
            return .object([
                ("event", .string("child_run")), ("task", .string(e.task)), ("child_run_id", .string(e.childRunID)),
                ("time", .string(Timestamp.iso(e.time))), ("map_index", e.mapIndex.map { .int(Int64($0)) } ?? .null),
                ("pipeline", .string(e.pipeline)), ("workspace", .string(e.workspace)),
            ])
        case .runFinished(let state, let time):
            return .object([("event", .string("run_finished")), ("state", .string(state.rawValue)), ("time", .string(Timestamp.iso(time)))])
        case .runResumed(let time, let pid):
            return .object([("event", .string("run_resumed")), ("time", .string(Timestamp.iso(time))), ("pid", .int(Int64(pid)))])
        }
    }

    /// Reads one journal line back; nil for a line this reader does not know
    /// (an event of another kind, or one without the fields it needs).
    public init?(json: JSON) {
        guard let event = json["event"]?.stringValue, let time = json["time"]?.stringValue.flatMap(Timestamp.parse) else { return nil }
        switch event {
        case "run_started":
            // Its `version` is checked by the reader (`RunRecord.replay`) before this line is decoded.
            guard let runID = json["run_id"]?.stringValue, let pipeline = json["pipeline"]?.stringValue else { return nil }
            self = .runStarted(RunStarted(runID: runID, pipeline: pipeline, time: time, parentRunID: json["parent_run_id"]?.stringValue,
                                          sourceSHA256: json["source_sha256"]?.stringValue ?? "", workspace: json["workspace"]?.stringValue ?? "",
                                          pid: Int32(truncatingIfNeeded: json["pid"]?.intValue ?? 0),
                                          flags: RunFlags(force: json["force"]?.boolValue ?? false,
                                                          forceTasks: json["force_tasks"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                                                          noCache: json["no_cache"]?.boolValue ?? false),
                                          triggerParams: json["trigger_params"]))
        case "mapped":
            guard let task = json["task"]?.stringValue, let count = json["count"]?.intValue, count >= 0 else { return nil }
            // Labels and items that do not match the count are ignored, not trusted.
            let labels = json["labels"]?.arrayValue?.compactMap(\.stringValue)
            let items = json["items"]?.arrayValue
            self = .mapped(task: task, count: Int(count), time: time, labels: labels?.count == Int(count) ? labels : nil,
                           items: items?.count == Int(count) ? items : nil)
        case "task":
            guard let task = json["task"]?.stringValue, let state = json["state"]?.stringValue.flatMap(TaskState.init(rawValue:)) else { return nil }
            self = .task(TaskEvent(
                task: task, mapIndex: json["map_index"]?.intValue.map { Int($0) }, attempt: Int(json["try"]?.intValue ?? 0),
                state: state, time: time, exitCode: json["exit_code"]?.intValue.map { Int32(truncatingIfNeeded: $0) },
                outputs: json["outputs"], message: json["message"]?.stringValue, cacheHit: json["cache_hit"]?.boolValue,
                log: json["log"]?.stringValue, logBytes: json["log_bytes"]?.intValue.flatMap { $0 >= 0 ? Int(exactly: $0) : nil },
                retryInMilliseconds: json["retry_in_ms"]?.intValue,
                cacheKey: json["cache_key"]?.stringValue, checks: json["checks"]))
        case "child_run":
            guard let task = json["task"]?.stringValue, let child = json["child_run_id"]?.stringValue else { return nil }
            self = .childRun(ChildRun(task: task, mapIndex: json["map_index"]?.intValue.map { Int($0) }, childRunID: child, time: time,
                                      pipeline: json["pipeline"]?.stringValue ?? "", workspace: json["workspace"]?.stringValue ?? ""))
        case "run_finished":
            guard let state = json["state"]?.stringValue.flatMap(PipelineRunState.init(rawValue:)) else { return nil }
            self = .runFinished(state: state, time: time)
        case "run_resumed":
            self = .runResumed(time: time, pid: Int32(truncatingIfNeeded: json["pid"]?.intValue ?? 0))
        default:
            return nil
        }
    }
}
