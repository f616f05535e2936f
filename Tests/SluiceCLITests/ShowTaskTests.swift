import Foundation
import Testing

/// `sluice show` (issue 23, item 3): mapped instances folded to counts by
/// state with the failed ones listed; `--task NAME` for one task's
/// instances; `--format json` keeps its shape.

private let many = """
    pipeline: many
    params:
      ids: [\((1...50).map(String.init).joined(separator: ", "))]
    tasks:
      setup:
        run: echo "n=7" >> "$SLUICE_OUTPUTS"
        outputs: { n: int }
      work:
        foreach: params.ids
        run: |
          [ {{ item }} != 13 ] && [ {{ item }} != 42 ] || exit 4
          echo "v={{ item }}" >> "$SLUICE_OUTPUTS"
        outputs: { v: int }

    """

@Test func showFoldsMappedInstancesAndListsTheFailedOnes() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("many.yaml", many)
    let run = try workspace.run("many.yaml")
    #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
    let runID = try #require(try workspace.show().runID)
    let shown = try CLI.run(["show", "latest"], cwd: workspace.url, environment: ["NO_COLOR": "1"])
    #expect(shown.status == 0, "\(shown.stderr)")
    let text = shown.stdout
    #expect(text.contains("work [50]  2 failed, 48 success"), "\(text)")
    // Outputs of unmapped tasks are listed; a mapped task's are folded into one line.
    #expect(text.contains("  setup.n = 7\n"), "\(text)")
    #expect(text.contains("  work[*]: outputs of 48 instances (sluice show \(runID) --task work)\n"), "\(text)")
    #expect(!text.contains("work[1].v"), "\(text)")
    #expect(text.contains("work[13] (try 1)"), "\(text)")
    #expect(text.contains("work[42] (try 1)"), "\(text)")
    #expect(!text.contains("work[12]"), "\(text)")
}

@Test func showTaskListsOneTasksInstances() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("many.yaml", many)
    _ = try workspace.run("many.yaml")
    let runID = try #require(try workspace.show().runID)

    let work = try CLI.run(["show", runID, "--task", "work"], cwd: workspace.url, environment: ["NO_COLOR": "1"])
    #expect(work.status == 0, "\(work.stderr)")
    let rows = work.stdout.split(separator: "\n").map { $0.split(separator: " ").prefix(3).joined(separator: " ") }
    #expect(rows.contains("work[1] success 1"), "\(work.stdout)")
    #expect(rows.contains("work[13] failed 1"), "\(work.stdout)")
    #expect(work.stdout.contains("  work[50].v = 50\n"), "\(work.stdout)")
    #expect(!work.stdout.contains("setup"), "\(work.stdout)")

    let json = try CLI.run(["show", runID, "--task", "work", "--format", "json"], cwd: workspace.url)
    #expect(json.status == 0, "\(json.stderr)")
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let full = try workspace.show(runID).json
    #expect(Set(object.keys) == Set(full.keys), "the same shape, filtered")
    let tasks = try #require(object["tasks"] as? [[String: Any]])
    #expect(tasks.count == 50)
    #expect(tasks.allSatisfy { $0["task"] as? String == "work" })
    #expect(Set(tasks[0].keys) == Set(((full["tasks"] as? [[String: Any]]) ?? []).last?.keys ?? [:].keys))

    let unknown = try CLI.run(["show", runID, "--task", "wrok"], cwd: workspace.url)
    #expect(unknown.status == 2)
    #expect(unknown.stderr.contains("run \(runID) has no task wrok (setup, work)"), "\(unknown.stderr)")
}
