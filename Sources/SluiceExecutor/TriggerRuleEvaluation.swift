import SluicePlan

/// How many upstream task instances are in each state, counted as Airflow
/// counts them: every map instance of a mapped upstream counts once.
public struct UpstreamCounts: Equatable, Sendable {
    public var total = 0
    public var success = 0
    public var failed = 0
    public var upstreamFailed = 0
    public var skipped = 0

    public init(total: Int = 0, success: Int = 0, failed: Int = 0, upstreamFailed: Int = 0, skipped: Int = 0) {
        self.total = total
        self.success = success
        self.failed = failed
        self.upstreamFailed = upstreamFailed
        self.skipped = skipped
    }

    public var done: Int { success + failed + upstreamFailed + skipped }
    public var allDone: Bool { done >= total }

    public static func + (a: UpstreamCounts, b: UpstreamCounts) -> UpstreamCounts {
        UpstreamCounts(total: a.total + b.total, success: a.success + b.success, failed: a.failed + b.failed,
                       upstreamFailed: a.upstreamFailed + b.upstreamFailed, skipped: a.skipped + b.skipped)
    }
}

/// What a trigger rule says about a task that has not started yet.
public enum TriggerDecision: Equatable, Sendable {
    /// Not decidable yet: some upstream instance is still to finish.
    case wait
    case run
    case skip
    case upstreamFailed
}

extension TriggerRule {
    /// Airflow's `TriggerRuleDep`, both halves: the instant state it assigns
    /// (skipped / upstream_failed, possibly before every upstream is done) and
    /// whether the rule is met. `one_success`, `one_failed`, `one_done` fire
    /// as soon as one upstream qualifies; `always` and a task without
    /// upstream tasks run at once.
    public func decide(_ c: UpstreamCounts) -> TriggerDecision {
        guard c.total > 0, self != .always else { return .run }
        let failures = c.failed + c.upstreamFailed
        switch self {
        case .allSuccess:
            if failures > 0 { return .upstreamFailed }
            if c.skipped > 0 { return .skip }
            return c.success >= c.total ? .run : .wait
        case .allFailed:
            if c.success > 0 || c.skipped > 0 { return .skip }
            return failures >= c.total ? .run : .wait
        case .allDone:
            return c.allDone ? .run : .wait
        case .allDoneMinOneSuccess:
            // Skipped upstream tasks do not count as done for this rule.
            if c.skipped > 0 { return .skip }
            guard c.allDone else { return .wait }
            return c.success > 0 ? .run : .upstreamFailed
        case .allSkipped:
            if c.success > 0 || failures > 0 { return .skip }
            return c.skipped >= c.total ? .run : .wait
        case .oneSuccess:
            if c.success > 0 { return .run }
            guard c.allDone else { return .wait }
            return c.skipped == c.done ? .skip : .upstreamFailed
        case .oneFailed:
            if failures > 0 { return .run }
            return c.allDone ? .skip : .wait
        case .oneDone:
            if c.success + c.failed > 0 { return .run }
            return c.allDone ? .skip : .wait
        case .noneFailed:
            if failures > 0 { return .upstreamFailed }
            return c.success + c.skipped >= c.total ? .run : .wait
        case .noneFailedMinOneSuccess:
            if failures > 0 { return .upstreamFailed }
            if c.skipped >= c.total { return .skip }
            return c.success + c.skipped >= c.total ? .run : .wait
        case .noneSkipped:
            if c.skipped > 0 { return .skip }
            return c.allDone ? .run : .wait
        case .always:
            return .run
        }
    }
}
