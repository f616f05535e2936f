import SluicePlan

/// What the graph shows for one task: its state (`TaskState`, the
/// executor's; nil for a task the run has not reached, drawn "not run"), and
/// for a mapped (`foreach`) task how many of its instances are done out of how many.
public struct TaskRunStatus: Equatable, Sendable {
    public var state: TaskState?
    /// Mapped tasks only: instances that finished well (success or cached).
    public var done: Int?
    /// Mapped tasks only: the instance count, when the run expanded the task.
    public var total: Int?
    /// Data checks that failed in the task's latest attempts, as labels (`unique(id)`).
    public var failedChecks: [String] = []
    /// Mapped tasks only: the instances that failed, by label (`GOOG`), in map-index order.
    public var failedInstances: [String] = []
    /// Mapped tasks only: how many of its instances are in each state (the SVG drawing lists them).
    public var instanceCounts: [TaskState: Int] = [:]

    public init(state: TaskState?, done: Int? = nil, total: Int? = nil) {
        self.state = state
        self.done = done
        self.total = total
    }

    public static let notRun = TaskRunStatus(state: nil)

    /// `3/5` for a mapped task the run expanded, else nil.
    var progress: String? {
        guard let done, let total else { return nil }
        return "\(done)/\(total)"
    }

    /// `check failed: unique(id)`, for the node, or nil when none failed.
    var checkCaption: String? {
        failedChecks.isEmpty ? nil : "check failed: " + failedChecks.joined(separator: ", ")
    }

    /// How many failed instances a node names before `+N more`.
    static let namedFailures = 3

    /// `GOOG, TSLA +2 more`: the failed instances, or nil when none failed.
    var failedInstanceNames: String? {
        guard !failedInstances.isEmpty else { return nil }
        let named = failedInstances.prefix(Self.namedFailures).joined(separator: ", ")
        let rest = failedInstances.count - Self.namedFailures
        return named + (rest > 0 ? " +\(rest) more" : "")
    }

    /// `failed: GOOG, TSLA +2 more`, for the node, or nil when none failed.
    var failedInstancesCaption: String? { failedInstanceNames.map { "failed: " + $0 } }

    /// Folds the latest state of each instance of a mapped task into one
    /// status. The most urgent state wins (a failure shows even while other
    /// instances still run), because the colour is what a reader sees first;
    /// `done/total` carries the rest.
    /// - Parameters:
    ///   - instances: the last state of each map instance the journal mentions.
    ///   - expected: the instance count of the `mapped` event, when there was one.
    ///   - taskLevel: the last state journaled for the task as a whole
    ///     (map index null), e.g. `upstream_failed` before it could expand.
    public static func mapped(instances: [TaskState], expected: Int?, taskLevel: TaskState?) -> TaskRunStatus {
        let total = max(expected ?? instances.count, instances.count)
        let done = instances.filter { $0 == .success || $0 == .cached }.count
        guard !instances.isEmpty else {
            // A foreach over an empty list skips the task (DESIGN.md).
            let state = taskLevel ?? (expected == 0 ? .skipped : nil)
            return TaskRunStatus(state: state, done: expected == nil ? nil : 0, total: expected)
        }
        return TaskRunStatus(state: folded(instances, total: total), done: done, total: total)
    }

    private static func folded(_ instances: [TaskState], total: Int) -> TaskState {
        for urgent in [TaskState.failed, .interrupted, .running, .upstreamFailed, .queued] where instances.contains(urgent) {
            return urgent
        }
        // Some instances finished and the rest have not started yet: in progress.
        if instances.count < total { return .running }
        if instances.allSatisfy({ $0 == .skipped }) { return .skipped }
        if instances.allSatisfy({ $0 == .cached }) { return .cached }
        return .success
    }
}

/// One run laid over a pipeline's graph: the renderers colour each task by
/// it. A plain value: reading the journal is the CLI's business.
public struct RunOverlay: Equatable, Sendable {
    public var runID: String
    /// The run's final state (`run_finished`), or nil while it has none.
    public var runState: String?
    /// By task id; a task that is absent has not run.
    public var tasks: [String: TaskRunStatus]

    public init(runID: String, runState: String? = nil, tasks: [String: TaskRunStatus] = [:]) {
        self.runID = runID
        self.runState = runState
        self.tasks = tasks
    }

    public func status(of task: String) -> TaskRunStatus { tasks[task] ?? .notRun }

    /// `run 20261121T060000Z-3f9a (failed)`, for titles.
    var caption: String { "run \(runID)" + (runState.map { " (\($0))" } ?? " (unfinished)") }
}

/// The fill colours of the states, shared by DOT and Mermaid so both
/// drawings of a run agree. Light fills keep black text readable.
enum StatePalette {
    static func fill(_ state: TaskState?) -> String {
        switch state {
        case .success: "#8fd694"
        case .failed: "#f28b82"
        case .running: "#fde047"
        case .queued, nil: "#ffffff"
        case .upstreamFailed: "#f9a857"
        case .skipped: "#d3d3d3"
        case .cached: "#8ab4f8"
        case .interrupted: "#c9a0f5"
        }
    }

    /// Legend rows: queued and not run share white, so they share a row.
    static let legend: [(label: String, state: TaskState?)] = [
        ("success", .success), ("failed", .failed), ("running", .running), ("upstream_failed", .upstreamFailed),
        ("skipped", .skipped), ("cached", .cached), ("interrupted", .interrupted), ("queued / not run", nil),
    ]

    /// Every state the drawings colour, in the order Mermaid declares their classes.
    static let drawn: [TaskState?] = [.success, .failed, .running, .queued, .upstreamFailed, .skipped, .cached, .interrupted, nil]

    /// `not_run` for a task the run has not reached, else the journal's name.
    static func name(_ state: TaskState?) -> String { state?.rawValue ?? "not_run" }

    /// How a state reads in a legend, a tooltip or an ASCII box.
    static func label(_ state: TaskState?) -> String { state?.rawValue ?? "not run" }
}
