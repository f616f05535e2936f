/// Task-instance states (DESIGN.md "Run semantics"), with the names the
/// journal, `show` and `graph --run` use.
public enum TaskState: String, Sendable, CaseIterable {
    case queued, running, success, failed
    case upstreamFailed = "upstream_failed"
    case skipped, cached
    /// The run was stopped (Ctrl-C, a trigger task's timeout) while this ran.
    case interrupted

    /// A state no later event of the same attempt can change.
    public var isTerminal: Bool {
        switch self {
        case .queued, .running: false
        case .success, .failed, .upstreamFailed, .skipped, .cached, .interrupted: true
        }
    }
}

/// The overall state of a run.
public enum RunState: String, Sendable, CaseIterable {
    case running, success, failed, interrupted
}

/// One task instance: a task and, for a `foreach` task, its map index.
/// Mapped tasks that never expanded (skipped, upstream failed) are recorded
/// with a nil map index, as Airflow does.
public struct InstanceKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var task: String
    public var mapIndex: Int?

    public init(task: String, mapIndex: Int? = nil) {
        self.task = task
        self.mapIndex = mapIndex
    }

    /// `fetch` or `fetch[2]`, as progress lines and messages print it.
    public var description: String {
        mapIndex.map { "\(task)[\($0)]" } ?? task
    }

    /// `fetch` or `fetch.2`: safe in file names (task names never hold a dot).
    public var fileStem: String {
        mapIndex.map { "\(task).\($0)" } ?? task
    }

    public static func < (a: InstanceKey, b: InstanceKey) -> Bool {
        (a.task, a.mapIndex ?? -1) < (b.task, b.mapIndex ?? -1)
    }
}
