/// Task-instance states (DESIGN.md "Run semantics").
public enum TaskState: String, Sendable, CaseIterable {
    case queued, running, success, failed
    case upstreamFailed = "upstream_failed"
    case skipped, cached
}
