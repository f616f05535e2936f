import SluiceBasics
import SluicePlan

/// `sluice runs --format json` (and the UI's `/api/runs`): one shape, written once.
public enum RunsReport {
    /// One listed run: what `runs --format json` prints for it.
    public static func entry(_ record: RunRecord, state: PipelineRunState, directory run: RunDirectory) -> JSON {
        .object([
            ("run_id", .string(record.runID)), ("pipeline", .string(record.pipeline)), ("state", .string(state.rawValue)),
            ("start", .string(Timestamp.iso(record.start))), ("end", record.end.map { .string(Timestamp.iso($0)) } ?? .null),
            ("parent_run_id", record.parentRunID.map(JSON.string) ?? .null),
            ("workspace", .string(run.workspace)), ("directory", .string(run.path)),
        ])
    }

    /// The whole list, newest first as given.
    public static func json(_ entries: [JSON]) -> JSON {
        .object([("version", .int(1)), ("runs", .array(entries))])
    }
}
