import Testing
@testable import SluiceExport
import SluicePlan

/// The DAG file the exporter writes for the shapes Airflow decides on its own:
/// mapping, branches and trigger rules. (The examples' files are golden in
/// `ExportCommandTests`; scripts/test-airflow runs them in real Airflow.)
@Suite("Airflow exporter")
struct AirflowExporterTests {
    static func plan(_ tasks: [PlanTask]) -> Plan {
        Plan(pipeline: "p", source: "p.yaml", sourceSHA256: "", workspace: ".",
             params: .object([("regions", .array([.string("north"), .string("south")]))]), tasks: tasks)
    }

    static let names = OutputReference(task: "list_names", output: "names", type: .list(.string), mapped: false)

    /// A branch choosing a mapped task, mapped tasks with trigger rules that
    /// count their upstream tasks, and `always` over params.
    static let mapping = plan([
        PlanTask(id: "decide", kind: .command, branch: ["fan_out", "single"]),
        PlanTask(id: "fan_out", kind: .command, needs: ["decide"], foreach: .param(["regions"])),
        PlanTask(id: "single", kind: .command, needs: ["decide"]),
        PlanTask(id: "none_ran", kind: .command, needs: ["single"], foreach: .param(["regions"]), triggerRule: .allSkipped),
        PlanTask(id: "list_names", kind: .command, outputs: [PlanOutput(name: "names", type: .list(.string)), PlanOutput(name: "count", type: .int)]),
        PlanTask(id: "per_name", kind: .command, needs: ["list_names"], foreach: .output(names), triggerRule: .allFailed),
        PlanTask(id: "closing", kind: .command, needs: ["fan_out", "single"], foreach: .param(["regions"]), triggerRule: .always),
    ])

    /// No helper task: every Airflow task is a spec task, and a mapped task
    /// expands straight over the params' list or its producer's return value,
    /// so its direct upstream tasks are exactly its `needs`.
    @Test func mappedTasksExpandWithoutHelperTasks() throws {
        let text = try AirflowExporter(workspace: "/srv").dagFile(Self.mapping)
        #expect(!text.contains(".items\""), "no `<task>.items` helper task:\n\(text)")
        #expect(!text.contains("PLAN.items(\"fan_out\", context)"))
        #expect(text.contains("fan_out_ = fan_out.expand(item=PLAN.items(\"fan_out\"))"), "\(text)")
        #expect(text.contains("none_ran_ = none_ran.expand(item=PLAN.items(\"none_ran\"))"), "\(text)")
        #expect(text.contains("closing_ = closing.expand(item=PLAN.items(\"closing\"))"), "\(text)")
        #expect(text.contains("per_name_ = per_name.expand(item=list_names_)"), "\(text)")
        let taskIDs = text.components(separatedBy: "task_id=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(taskIDs.sorted() == Self.mapping.tasks.map { Substring($0.id) }.sorted())
    }

    /// What Airflow cannot express as Sluice runs it is refused, naming the task.
    @Test(arguments: [
        (PlanTask(id: "per_name", kind: .command, needs: ["list_names"], foreach: .output(names), triggerRule: .always),
         "trigger_rule always"),
        (PlanTask(id: "per_name", kind: .command, needs: ["middle"], foreach: .output(names), triggerRule: .oneSuccess),
         "add list_names to its needs"),
    ])
    func unexpressibleMappingIsRefused(mapped: PlanTask, reason: String) {
        let plan = Self.plan([
            PlanTask(id: "list_names", kind: .command, outputs: [PlanOutput(name: "names", type: .list(.string))]),
            PlanTask(id: "middle", kind: .command, needs: ["list_names"]),
            mapped,
        ])
        #expect {
            try AirflowExporter(workspace: "/srv").export([plan])
        } throws: { error in
            let message = String(describing: error)
            return message.contains("task per_name") && message.contains(reason)
        }
    }

    /// Airflow stores no return value of a branch task that skipped a task
    /// (`DownstreamTasksSkipped` ends it before the push), so nothing can map
    /// over a branch's output; its choice is the XCom `branch`, stored once.
    @Test func aBranchOutputIsNeverMappedOver() throws {
        let choice = OutputReference(task: "decide", output: "branch", type: .list(.string), mapped: false)
        let plan = Self.plan([
            PlanTask(id: "decide", kind: .command, branch: ["each"]),
            PlanTask(id: "each", kind: .command, needs: ["decide"], foreach: .output(choice)),
        ])
        #expect {
            try AirflowExporter(workspace: "/srv").export([plan])
        } throws: { error in
            String(describing: error).contains("task each: maps over decide.branch, an output of a branch task")
        }
        let text = try AirflowExporter(workspace: "/srv").dagFile(Self.mapping)
        #expect(text.contains("    @task.branch(\n        task_id=\"decide\",\n        do_xcom_push=False,\n"), "\(text)")
    }

    /// Airflow maps only over a return value: two tasks mapping over two
    /// different outputs of one task cannot both be expressed.
    @Test func twoMappedOutputsOfOneTaskAreRefused() {
        let count = OutputReference(task: "list_names", output: "other", type: .list(.int), mapped: false)
        let plan = Self.plan([
            PlanTask(id: "list_names", kind: .command, outputs: [PlanOutput(name: "names", type: .list(.string)), PlanOutput(name: "other", type: .list(.int))]),
            PlanTask(id: "a", kind: .command, needs: ["list_names"], foreach: .output(Self.names)),
            PlanTask(id: "b", kind: .command, needs: ["list_names"], foreach: .output(count)),
        ])
        #expect {
            try AirflowExporter(workspace: "/srv").export([plan])
        } throws: { error in
            String(describing: error).contains("task b: maps over list_names.other, but a maps over list_names.names")
        }
    }

    /// A rule that one more successful upstream cannot change may map over a
    /// producer it reaches through another task.
    @Test func aTransitiveProducerIsFineForAllSuccess() throws {
        let plan = Self.plan([
            PlanTask(id: "list_names", kind: .command, outputs: [PlanOutput(name: "names", type: .list(.string))]),
            PlanTask(id: "middle", kind: .command, needs: ["list_names"]),
            PlanTask(id: "per_name", kind: .command, needs: ["middle"], foreach: .output(Self.names)),
        ])
        let text = try AirflowExporter(workspace: "/srv").dagFile(plan)
        #expect(text.contains("per_name_ = per_name.expand(item=list_names_)"))
    }
}
