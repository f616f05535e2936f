import Foundation
import Testing

/// Issue 21: data checks on table outputs, run by the real binary on the
/// table a task stages: a failing error-check fails the attempt and the table
/// is not published; the results reach the journal, `show`, `graph --run`
/// and `task-run`.
@Suite("data checks on table outputs")
struct TableChecksTests {
    /// A spec whose task writes `csv` (header included) as table `t` of `columns`, with `checks` under it.
    static func spec(_ columns: String, _ checks: String, csv: String) -> String {
        let body = csv.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n")
        return """
            pipeline: checked
            tasks:
              make:
                run: |
                  cat > "$SLUICE_TABLE_T" <<'CSV'
            \(body)
                  CSV
                outputs:
                  t: "table(\(columns))"
                checks:
                  t:
            \(checks.split(separator: "\n").map { "          " + $0 }.joined(separator: "\n"))

            """
    }

    struct Ran {
        var outcome: CLI.Outcome
        var shown: ShownRun
        var workspace: RunWorkspace

        var state: String? { shown.state("make") }
        var checks: [[String: Any]] { shown.instances("make").first?["checks"] as? [[String: Any]] ?? [] }
        var journal: String {
            let runs = workspace.url.appendingPathComponent(".sluice/runs/checked")
            let run = (try? FileManager.default.contentsOfDirectory(atPath: runs.path))?.first ?? ""
            return workspace.read(".sluice/runs/checked/\(run)/journal.jsonl") ?? ""
        }
        /// The failure message the journal keeps for the task's last attempt.
        var message: String {
            journal.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .last { $0["task"] as? String == "make" && $0["state"] as? String == "failed" }?["message"] as? String ?? ""
        }
        /// Every file the run left in the task's output directory.
        var outputFiles: [String] {
            let runs = workspace.url.appendingPathComponent(".sluice/runs/checked")
            let run = (try? FileManager.default.contentsOfDirectory(atPath: runs.path))?.first ?? ""
            return (try? FileManager.default.contentsOfDirectory(atPath: runs.appendingPathComponent("\(run)/outputs/make").path)) ?? []
        }
    }

    static func run(_ columns: String, _ checks: String, csv: String, workspace: RunWorkspace? = nil) throws -> Ran {
        let workspace = try workspace ?? RunWorkspace()
        try workspace.write("checked.yaml", spec(columns, checks, csv: csv))
        let outcome = try workspace.run("checked.yaml")
        return Ran(outcome: outcome, shown: try workspace.show(), workspace: workspace)
    }

    static let columns = "id: int64, name: string, y: float64, day: date, ts: timestamp"
    static let good = """
        id,name,y,day,ts
        1,a,0.5,2024-01-01,2024-01-01T00:00:00Z
        2,b,1.5,2024-01-02,2024-01-01T01:00:00Z
        3,c,2.5,2024-01-03,2024-01-01T02:00:00Z
        """

    @Test func everyCheckPassesOnGoodDataAndTheTableIsPublished() throws {
        let ran = try Self.run(Self.columns, """
            - unique: [id]
            - unique: [name, day]
            - not_null: [id, name, y, day, ts]
            - range: { column: y, min: 0, max: 3 }
            - range: { column: id, min: 1 }
            - range: { column: day, min: 2024-01-01, max: 2024-01-03 }
            - accepted_values: { column: name, values: [a, b, c] }
            - rows: { min: 3, max: 3 }
            """, csv: Self.good)
        defer { ran.workspace.cleanUp() }
        #expect(ran.outcome.status == 0, "\(ran.outcome.stdout)\(ran.outcome.stderr)")
        #expect(ran.state == "success")
        #expect(ran.checks.count == 8)
        #expect(ran.checks.allSatisfy { $0["status"] as? String == "passed" && $0["failing_rows"] as? Int == 0 && $0["rows"] as? Int == 3 },
                "\(ran.checks)")
        #expect(ran.outputFiles.contains("t.arrow") && !ran.outputFiles.contains { $0.hasSuffix(".unchecked") }, "\(ran.outputFiles)")
        #expect(ran.journal.contains("\"checks\":[{\"output\":\"t\",\"check\":\"unique\""), "\(ran.journal)")
    }

    /// One failing case per check: the check, the failing-row count and the first examples with their row numbers.
    static let failing: [(check: String, csv: String, expected: [String])] = [
        ("- unique: [name, day]", """
            id,name,y,day,ts
            1,a,0.5,2024-01-01,2024-01-01T00:00:00Z
            2,b,1.5,2024-01-02,2024-01-01T01:00:00Z
            3,a,2.5,2024-01-01,2024-01-01T02:00:00Z
            4,a,2.5,2024-01-01,2024-01-01T02:00:00Z
            """, ["check unique(name, day) failed on 2 of 4 rows", "row 3 (name=a, day=2024-01-01) repeats row 1", "row 4 (name=a, day=2024-01-01) repeats row 1"]),
        ("- not_null: [id, name]", """
            id,name,y,day,ts
            1,a,0.5,2024-01-01,2024-01-01T00:00:00Z
            ,b,1.5,2024-01-02,2024-01-01T01:00:00Z
            3,,2.5,2024-01-03,2024-01-01T02:00:00Z
            """, ["check not_null(id, name) failed on 2 of 3 rows", "row 2 (id=null, name=b)", "row 3 (id=3, name=null)"]),
        ("- range: { column: y, min: 0, max: 2 }", Self.good, ["check range(y, min 0.0, max 2.0) failed on 1 of 3 rows", "row 3 (y=2.5)"]),
        ("- accepted_values: { column: name, values: [a, c] }", Self.good, ["check accepted_values(name in [a, c]) failed on 1 of 3 rows", "row 2 (name=b)"]),
        ("- rows: { min: 24 }", Self.good, ["check rows(min 24) failed: the table has 3 rows"]),
    ]

    @Test(arguments: 0..<5)
    func aFailingCheckFailsTheAttemptAndTheTableIsNotPublished(_ index: Int) throws {
        let (check, csv, expected) = Self.failing[index]
        let ran = try Self.run(Self.columns, check, csv: csv)
        defer { ran.workspace.cleanUp() }
        #expect(ran.outcome.status != 0)
        #expect(ran.state == "failed")
        for part in expected { #expect(ran.message.contains(part), "\(part) not in: \(ran.message)") }
        #expect(ran.message.hasPrefix("table output \"t\" failed a check and was not published"), "\(ran.message)")
        #expect(!ran.outputFiles.contains { $0.hasPrefix("t.arrow") || $0.hasSuffix(".unchecked") }, "\(ran.outputFiles)")
        #expect(ran.checks.first?["status"] as? String == "failed", "\(ran.checks)")
        #expect(ran.shown.outputs("make").isEmpty)
    }

    @Test func aFailingWarningIsRecordedAndTheTaskSucceeds() throws {
        let ran = try Self.run(Self.columns, """
            - { range: { column: y, max: 1 }, severity: warning }
            - unique: [id]
            """, csv: Self.good)
        defer { ran.workspace.cleanUp() }
        #expect(ran.outcome.status == 0, "\(ran.outcome.stdout)\(ran.outcome.stderr)")
        #expect(ran.state == "success")
        #expect(ran.checks.map { $0["status"] as? String } == ["warned", "passed"], "\(ran.checks)")
        #expect(ran.checks.first?["failing_rows"] as? Int == 2)
        let examples = ran.checks.first?["examples"] as? [[String: Any]] ?? []
        #expect(examples.map { $0["row"] as? Int } == [2, 3])
        #expect(ran.outputFiles.contains("t.arrow"))
        let table = try CLI.run(["show", "latest"], cwd: ran.workspace.url, environment: ["NO_COLOR": "1"])
        #expect(table.stdout.contains("make.t range(y, max 1.0): warned (2 of 3 rows)"), "\(table.stdout)")
        #expect(table.stdout.contains("make.t unique(id): passed (3 rows)"), "\(table.stdout)")
    }

    @Test func nullsFailNotNullCountAsAKeyValueAndAreSkippedByRangeAndAcceptedValues() throws {
        let csv = """
            id,name,y,day,ts
            1,,0.5,,2024-01-01T00:00:00Z
            2,,,2024-01-02,
            3,b,2.5,2024-01-03,2024-01-01T02:00:00Z
            """
        let ran = try Self.run(Self.columns, """
            - { unique: [name], severity: warning }
            - { not_null: [name, y], severity: warning }
            - range: { column: y, min: 0 }
            - range: { column: day, min: 2024-01-01 }
            - accepted_values: { column: name, values: [b] }
            """, csv: csv)
        defer { ran.workspace.cleanUp() }
        #expect(ran.outcome.status == 0, "\(ran.outcome.stdout)\(ran.outcome.stderr)")
        #expect(ran.checks.map { $0["status"] as? String } == ["warned", "warned", "passed", "passed", "passed"], "\(ran.checks)")
        #expect(ran.checks.map { $0["failing_rows"] as? Int } == [1, 2, 0, 0, 0])
        let unique = ran.checks.first?["examples"] as? [[String: Any]] ?? []
        #expect(unique.first?["repeats_row"] as? Int == 1 && (unique.first?["values"] as? [String: Any])?["name"] is NSNull, "\(unique)")
    }

    @Test func nanIsMissingForNotNullAndInNoRange() throws {
        let csv = """
            id,name,y,day,ts
            1,a,NaN,2024-01-01,2024-01-01T00:00:00Z
            2,b,1.5,2024-01-02,2024-01-01T01:00:00Z
            """
        let ran = try Self.run(Self.columns, """
            - { not_null: [y], severity: warning }
            - { range: { column: y, min: 0 }, severity: warning }
            - { accepted_values: { column: y, values: [1.5] }, severity: warning }
            """, csv: csv)
        defer { ran.workspace.cleanUp() }
        #expect(ran.outcome.status == 0, "\(ran.outcome.stdout)\(ran.outcome.stderr)")
        #expect(ran.checks.map { $0["failing_rows"] as? Int } == [1, 1, 1], "\(ran.checks)")
        let example = (ran.checks.first?["examples"] as? [[String: Any]])?.first
        #expect(example?["row"] as? Int == 1 && (example?["values"] as? [String: Any])?["y"] as? String == "NaN", "\(String(describing: example))")
    }

    @Test func timestampBoundsWithOffsetsCompareInUTC() throws {
        // min 02:00+02:00 is 00:00Z: 00:30+01:00 (23:30Z the day before) fails, 00:00Z itself passes (bounds are
        // inclusive), 05:00-05:00 is 10:00Z, the max, and passes; 06:00-05:00 is 11:00Z and fails.
        let csv = """
            id,name,y,day,ts
            1,a,0.5,2024-01-01,2024-01-01T00:30:00+01:00
            2,b,1.5,2024-01-02,2024-01-01T00:00:00Z
            3,c,2.5,2024-01-03,2024-01-01T05:00:00-05:00
            4,d,2.5,2024-01-03,2024-01-01T06:00:00-05:00
            """
        let ran = try Self.run(Self.columns, """
            - range: { column: ts, min: "2024-01-01T02:00:00+02:00", max: "2024-01-01T10:00:00Z" }
            """, csv: csv)
        defer { ran.workspace.cleanUp() }
        #expect(ran.state == "failed")
        #expect(ran.message.contains("check range(ts, min 2024-01-01T00:00:00Z, max 2024-01-01T10:00:00Z) failed on 2 of 4 rows: "
                                     + "row 1 (ts=2023-12-31T23:30:00Z), row 4 (ts=2024-01-01T11:00:00Z)"), "\(ran.message)")
    }

    @Test func anEmptyTablePassesEveryRowCheckAndFailsAMinimumRowCount() throws {
        let ran = try Self.run(Self.columns, """
            - unique: [id]
            - not_null: [id]
            - range: { column: y, min: 0 }
            - accepted_values: { column: name, values: [a] }
            - rows: { min: 1 }
            """, csv: "id,name,y,day,ts")
        defer { ran.workspace.cleanUp() }
        #expect(ran.state == "failed")
        #expect(ran.checks.map { $0["status"] as? String } == ["passed", "passed", "passed", "passed", "failed"], "\(ran.checks)")
        #expect(ran.message.contains("check rows(min 1) failed: the table has 0 rows"), "\(ran.message)")
    }

    @Test func aTableOfSeveralBatchesIsCheckedAcrossBatches() throws {
        // 150,000 rows: three batches of at most 65,536. Row 100,001 repeats row 2's key; row 140,000 has y out of range.
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("checked.yaml", """
            pipeline: checked
            tasks:
              make:
                run: |
                  { echo id,y; seq 1 150000 | awk '{ id = ($1 == 100001) ? 2 : $1; y = ($1 == 140000) ? -1 : 1; print id "," y }'; } > "$SLUICE_TABLE_T"
                outputs:
                  t: "table(id: int64, y: float64)"
                checks:
                  t:
                    - unique: [id]
                    - { range: { column: y, min: 0 }, severity: warning }
                    - rows: { min: 150000, max: 150000 }

            """)
        let outcome = try workspace.run("checked.yaml")
        let ran = Ran(outcome: outcome, shown: try workspace.show(), workspace: workspace)
        #expect(ran.state == "failed")
        #expect(ran.message.contains("check unique(id) failed on 1 of 150000 rows: row 100001 (id=2) repeats row 2"), "\(ran.message)")
        #expect(ran.checks.map { $0["failing_rows"] as? Int } == [1, 1, 0], "\(ran.checks)")
        #expect((ran.checks[safe: 1]?["examples"] as? [[String: Any]])?.first?["row"] as? Int == 140000)
    }

    @Test func taskRunRunsTheSameChecksAndGraphShowsTheFailedOne() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("checked.yaml", Self.spec(Self.columns, "- unique: [id]\n- rows: { max: 2 }", csv: Self.good))
        let planned = try CLI.run(["plan", "checked.yaml", "-o", "checked.plan.json"], cwd: workspace.url)
        #expect(planned.status == 0, "\(planned.stderr)")
        let remote = try CLI.run(["task-run", "checked.plan.json", "--task", "make", "--workspace", workspace.path, "--run-id", "manual__c1",
                                  "--run-date", "2026-01-02"], cwd: workspace.url, environment: ["SLUICE_KILL_GRACE_MS": "300"])
        let last = remote.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let line = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], "\(remote.stdout)\(remote.stderr)")
        #expect(line["state"] as? String == "failed")
        #expect((line["message"] as? String)?.contains("check rows(max 2) failed: the table has 3 rows") == true, "\(line)")
        let checks = line["checks"] as? [[String: Any]] ?? []
        #expect(checks.map { $0["status"] as? String } == ["passed", "failed"], "\(checks)")

        _ = try workspace.run("checked.yaml")
        let graph = try CLI.run(["graph", "checked.yaml", "--run", "latest", "--format", "ascii"], cwd: workspace.url, environment: ["NO_COLOR": "1"])
        #expect(graph.stdout.contains("check failed: rows(max 2)"), "\(graph.stdout)\(graph.stderr)")
    }

    @Test func changingACheckMissesTheCache() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("checked.yaml", Self.spec(Self.columns, "- rows: { max: 3 }", csv: Self.good))
        #expect(try workspace.run("checked.yaml").status == 0)
        try workspace.write("checked.yaml", Self.spec(Self.columns, "- rows: { max: 2 }", csv: Self.good))
        let second = try workspace.run("checked.yaml")
        #expect(second.status != 0, "a tightened check must re-run the task, not reuse the table: \(second.stdout)")
        #expect(try workspace.show().state("make") == "failed")
    }
}

private extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
