/// The state of one task instance in a run (DESIGN.md "Run semantics"),
/// with the names the journal, `show` and `graph --run` use. The executor
/// records these and the graph colours by them: one enum, here in the leaf
/// both import. A task the run never reached has no state (the graph draws
/// it "not run").
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

/// The state of a whole run (Airflow's DAG-run state), not of a task: what
/// `run_finished` records and `show` and `runs` print. `running` and
/// `interrupted` are also told apart by the journal's lock when a run has
/// no `run_finished`.
public enum PipelineRunState: String, Sendable, CaseIterable {
    case running, success, failed, interrupted
}
