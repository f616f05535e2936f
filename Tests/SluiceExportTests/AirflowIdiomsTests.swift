import Testing
@testable import SluiceExport
import SluicePlan

/// DAG files the way an Airflow engineer writes them (issue 18 item 7).
@Suite("Airflow export: idioms")
struct AirflowIdiomsTests {
    static let plan = Plan(
        pipeline: "idioms", source: "idioms.yaml", sourceSHA256: "", workspace: ".", schedule: "0 6 * * *",
        params: .object([
            ("regions", .array([.string("north")])), ("days", .int(3)), ("ratio", .double(0.5)), ("label", .string("x")),
            ("dry", .bool(false)), ("model", .object([("alpha", .double(0.1))])), ("nothing", .null),
        ]),
        tasks: [
            PlanTask(id: "fetch", kind: .command, retries: 3, retryDelayMilliseconds: 2000, retryBackoff: .exponential),
            PlanTask(id: "join", kind: .empty, needs: ["fetch"], triggerRule: .allDone),
        ])

    /// Airflow 3.3 reads `retry_exponential_backoff` as a multiplier: `True`
    /// is 1, a constant delay. Sluice doubles the delay on every retry.
    @Test func exponentialBackoffDoubles() throws {
        let text = try AirflowExporter(workspace: "/srv").dagFile(Self.plan)
        #expect(text.contains("        retry_exponential_backoff=2.0,\n"), "\(text)")
        #expect(!text.contains("retry_exponential_backoff=True"))
    }

    /// No hard-coded start date: with `catchup=False` Airflow 3 needs none and
    /// starts from the schedule's latest interval once the DAG is deployed.
    @Test func noHardCodedStartDate() throws {
        let text = try AirflowExporter(workspace: "/srv").dagFile(Self.plan)
        #expect(!text.contains("start_date") && !text.contains("pendulum"), "\(text)")
        #expect(text.contains("    catchup=False,\n"))
    }

    /// Each param is a typed `Param`, so the trigger form checks what a run is given.
    @Test func paramsAreTyped() throws {
        let text = try AirflowExporter(workspace: "/srv").dagFile(Self.plan)
        #expect(text.contains("from airflow.sdk import DAG, Param, task\n"), "\(text)")
        for (name, type) in [("regions", "array"), ("days", "integer"), ("ratio", "number"), ("label", "string"), ("dry", "boolean"),
                             ("model", "object"), ("nothing", "null")] {
            #expect(text.contains("        \"\(name)\": Param(\n"), "\(name)")
            let after = text.components(separatedBy: "\"\(name)\": Param(\n").dropFirst().first ?? ""
            let call = after.components(separatedBy: "\n        ),\n").first ?? ""
            #expect(call.hasSuffix("            type=\"\(type)\","), "\(name): \(call)")
        }
    }

    /// ruff's AIR001: an operator's variable is its task id.
    @Test func operatorVariablesAreTheirTaskIDs() throws {
        let text = try AirflowExporter(workspace: "/srv").dagFile(Self.plan)
        #expect(text.contains("    join = EmptyOperator(\n        task_id=\"join\",\n"), "\(text)")
        #expect(text.contains("    fetch_ >> join\n"), "\(text)")
    }
}
