import Testing
@testable import SluiceExport
import SluicePlan

/// A trigger task cannot wait forever: the child DAG starts unpaused, a paused
/// child fails the trigger at once, and the wait is deferred (no worker slot).
@Suite("Airflow export: triggers")
struct AirflowTriggerExportTests {
    static let parent = Plan(pipeline: "parent", source: "parent.yaml", sourceSHA256: "", workspace: ".", tasks: [
        PlanTask(id: "prepare", kind: .command),
        PlanTask(id: "start_child", kind: .trigger, needs: ["prepare"], trigger: PlanTrigger(pipeline: "child", spec: "child.yaml"), retries: 1),
    ])

    @Test func theTriggerDefersAndFailsOnAPausedChild() throws {
        let text = try AirflowExporter(workspace: "/srv").dagFile(Self.parent)
        let start = try #require(text.range(of: "TriggerDagRunOperator(\n"))
        let call = String(text[start.lowerBound...].prefix { $0 != ")" })
        for argument in ["task_id=\"start_child\"", "trigger_dag_id=\"child\"", "wait_for_completion=True", "deferrable=True",
                         "fail_when_dag_is_paused=True", "retries=1"] {
            #expect(call.contains("        \(argument),\n"), "\(argument) in\n\(call)")
        }
    }

    /// Every exported DAG is created unpaused, so a trigger never waits on a
    /// child that Airflow's `dags_are_paused_at_creation` left paused.
    @Test func dagsAreCreatedUnpaused() throws {
        let text = try AirflowExporter(workspace: "/srv").dagFile(Self.parent)
        #expect(text.contains("\n    is_paused_upon_creation=False,\n"), "\(text)")
    }
}
