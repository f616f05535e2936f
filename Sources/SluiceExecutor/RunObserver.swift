import SluiceBasics
import SluicePlan

/// Receives what happens in a run, for progress display. Calls for a child
/// run (a `trigger` task) come from the child's own thread, so an observer
/// shared with child runs must be thread-safe.
public protocol RunObserver: AnyObject, Sendable {
    func runStarted(_ run: RunStartInfo)
    func instanceChanged(_ change: InstanceChange)
    func taskMapped(runID: String, task: String, count: Int)
    func runFinished(_ result: RunResult)
    /// Whether `instanceChanged` would show anything. False spares the
    /// executor building a change for each journaled state (three a task:
    /// the log's absolute path, the label, the message) that the observer
    /// drops anyway, as progress whose output goes to /dev/null does.
    var wantsInstanceChanges: Bool { get }
}

extension RunObserver {
    public var wantsInstanceChanges: Bool { true }
}

public struct RunStartInfo: Sendable {
    public var runID: String
    public var pipeline: String
    public var directory: RunDirectory
    public var parentRunID: String?
    /// 0 for the run that was asked for, 1 for its child runs, and so on.
    public var depth: Int
    public var time: Int64
    /// Task counts before mapping, for progress bars.
    public var taskCount: Int
    /// Secrets that are named but have no value anywhere (worth a warning).
    public var unsetSecrets: [String]
}

public struct InstanceChange: Sendable {
    public var runID: String
    public var pipeline: String
    public var depth: Int
    public var key: InstanceKey
    public var attempt: Int
    public var state: TaskState
    public var time: Int64
    public var message: String?
    public var exitCode: Int32?
    /// Absolute path of the attempt's log, when it has one.
    public var log: String?
    /// Set on a failed attempt that will be retried.
    public var retryInMilliseconds: Int64?
    /// Microseconds the attempt ran, on terminal states of attempts.
    public var duration: Int64?
    /// A map instance's label (`AAPL`), as the journal records it.
    public var label: String? = nil

    /// `download[AAPL]`, or `download[2]` without a label.
    public var name: String { InstanceKey.name(key, label: label) }
}

/// How a run ended.
public struct RunResult: Sendable {
    public var runID: String
    public var pipeline: String
    public var state: PipelineRunState
    public var directory: RunDirectory
    public var record: RunRecord
    public var depth: Int
    /// `--explain`: one line per instance that ran or was cached, in plan order.
    public var explanations: [String] = []
    /// Things worth telling that are not failures (a torn journal line dropped on resume…).
    public var notes: [String] = []
}

/// Caching choices of one run (docs/executor.md "Caching").
public struct CacheOptions: Sendable {
    /// Off: nothing is looked up or published.
    public var enabled = true
    /// `--force`: every task runs (and replaces its entry).
    public var forceAll = false
    /// `--force-task T`: T and its downstream tasks run.
    public var forceTasks: [String] = []
    /// `--explain`: say why each instance ran or was cached.
    public var explain = false

    public init(enabled: Bool = true, forceAll: Bool = false, forceTasks: [String] = [], explain: Bool = false) {
        self.enabled = enabled
        self.forceAll = forceAll
        self.forceTasks = forceTasks
        self.explain = explain
    }
}

/// What a run may use and decide beyond the plan.
public struct RunOptions: Sendable {
    /// `--max-active`; nil: the plan's `max_active_tasks`, else the number of cores.
    public var maxActive: Int?
    public var failFast = false
    public var parentRunID: String?
    /// A child run's params its trigger set (dotted path → typed value), journaled in `run_started`.
    public var triggerParams: JSON?
    /// Put first on every task's PATH (the directory of the running `sluice`).
    public var toolDirectory: String?
    /// The environment tasks inherit (normally this process's).
    public var environment: [String: String]
    /// Between SIGTERM and SIGKILL on a timeout (DESIGN.md: 10 s; tests shorten it).
    public var killGraceNanoseconds: Int64 = 10_000_000_000
    /// Child runs nest at most this deep, so pipelines triggering each other cannot recurse forever.
    public var maxTriggerDepth = 8
    public var cache = CacheOptions()
    /// `--resume RUN_ID`: continue this run (of the same pipeline, in the same workspace).
    public var resumeRunID: String?
    var depth = 0

    public init(environment: [String: String], maxActive: Int? = nil, failFast: Bool = false, parentRunID: String? = nil,
                toolDirectory: String? = nil) {
        self.environment = environment
        self.maxActive = maxActive
        self.failFast = failFast
        self.parentRunID = parentRunID
        self.toolDirectory = toolDirectory
    }
}

/// The seams of a run: processes, time, child plans, progress.
public struct RunServices: Sendable {
    public var makeRunner: @Sendable () throws(ProcessStartError) -> any ProcessRunner
    public var clock: any Clock
    /// Builds the plan of a triggered pipeline from its spec (an absolute
    /// path). The CLI passes the compiler; the executor never imports it.
    public var loadChildPlan: @Sendable (String) throws -> Plan
    public var observer: (any RunObserver)?
    /// Given each run's record once its last instance has settled, on a
    /// second thread while the run's end writes and syncs `tasks.arrow` and
    /// the journal (no task runs then, so a core is idle): the CLI renders
    /// its summary table there. The record lacks only `run_finished` (the
    /// run's end time and state). Called for child runs too.
    public var whileRecordsSync: (@Sendable (RunRecord) -> Void)?

    public init(makeRunner: @escaping @Sendable () throws(ProcessStartError) -> any ProcessRunner = { () throws(ProcessStartError) in try PosixProcessRunner() },
                clock: any Clock = SystemClock(),
                loadChildPlan: @escaping @Sendable (String) throws -> Plan = { path in throw ExecutorError("cannot build the plan of \(path): no compiler was given") },
                observer: (any RunObserver)? = nil,
                whileRecordsSync: (@Sendable (RunRecord) -> Void)? = nil) {
        self.makeRunner = makeRunner
        self.clock = clock
        self.loadChildPlan = loadChildPlan
        self.observer = observer
        self.whileRecordsSync = whileRecordsSync
    }
}
