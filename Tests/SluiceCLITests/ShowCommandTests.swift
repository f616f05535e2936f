import Foundation
import Testing

/// `show`, `runs`, `--dry-run`, plan files and exit codes.

@Test func showRunsAndExitCodes() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("small.yaml", """
        pipeline: small
        params:
          n: 2
        tasks:
          count:
            run: echo "n={{ params.n }}" >> "$SLUICE_OUTPUTS"
            outputs:
              n: int
          table:
            needs: [count]
            run: printf 'a,b\\n1,x\\n{{ count.n }},y\\n' > "$SLUICE_TABLE_ROWS"
            outputs:
              rows: "table(a: int64, b: string)"

        """)
    let dry = try workspace.run("small.yaml", ["--dry-run"])
    #expect(dry.status == 0)
    #expect(dry.stdout.contains(#"$ echo "n=2" >> "$SLUICE_OUTPUTS""#), "\(dry.stdout)")
    #expect(!workspace.exists(".sluice"), "a dry run writes nothing")

    let first = try workspace.run("small.yaml", ["--param", "n=5"])
    #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
    let run = try workspace.show()
    #expect(run.outputs("count")["n"] as? Int == 5)
    let table = try #require(run.outputs("table")["rows"] as? String)
    let cat = try CLI.run(["cat", table, "--format", "csv"], cwd: workspace.url)
    #expect(cat.stdout == "a,b\n1,x\n5,y\n")

    // A plan file runs the same way.
    let plan = try CLI.run(["plan", "small.yaml", "-o", "small.plan.json"], cwd: workspace.url)
    #expect(plan.status == 0, "\(plan.stderr)")
    let fromPlan = try workspace.run("small.plan.json")
    #expect(fromPlan.status == 0, "\(fromPlan.stderr)")

    let runs = try CLI.run(["runs", "small", "--format", "json"], cwd: workspace.url)
    let listed = try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [String: Any]
    let entries = listed?["runs"] as? [[String: Any]] ?? []
    #expect(entries.count == 2)
    #expect(entries.first?["state"] as? String == "success")
    #expect(try CLI.run(["runs"], cwd: workspace.url).stdout.contains("small"))

    let table2 = try CLI.run(["show", "latest"], cwd: workspace.url)
    #expect(table2.status == 0 && table2.stdout.contains("table") && table2.stdout.contains("success"))
    #expect(try CLI.run(["show", "no-such-run"], cwd: workspace.url).status == 2)

    // A failing table fails the attempt, naming the row and column.
    try workspace.write("bad_table.yaml", """
        pipeline: bad_table
        tasks:
          t:
            run: printf 'a\\n1\\nnope\\n' > "$SLUICE_TABLE_ROWS"
            outputs:
              rows: "table(a: int64)"

        """)
    let bad = try workspace.run("bad_table.yaml")
    #expect(bad.status == 1)
    #expect(bad.stdout.contains(#"table output "rows": $SLUICE_TABLE_ROWS:3: row 2, column "a": expected int64, found "nope""#), "\(bad.stdout)")

    #expect(try workspace.run("missing.yaml").status == 2)
    try workspace.write("broken.yaml", "pipeline: broken\ntasks:\n  a:\n    needs: [ghost]\n    run: \"true\"\n")
    let broken = try workspace.run("broken.yaml")
    #expect(broken.status == 1)
    #expect(broken.stderr.contains("unknown-task"))
}
