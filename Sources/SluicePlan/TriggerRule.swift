/// When a task may start given its upstream states: Airflow's trigger rules,
/// with Airflow's names and meanings, so an exported DAG behaves the same.
public enum TriggerRule: String, Sendable, Codable, CaseIterable {
    case allSuccess = "all_success"
    case allFailed = "all_failed"
    case allDone = "all_done"
    case allDoneMinOneSuccess = "all_done_min_one_success"
    case allSkipped = "all_skipped"
    case oneSuccess = "one_success"
    case oneFailed = "one_failed"
    case oneDone = "one_done"
    case noneFailed = "none_failed"
    case noneFailedMinOneSuccess = "none_failed_min_one_success"
    case noneSkipped = "none_skipped"
    case always = "always"
}
