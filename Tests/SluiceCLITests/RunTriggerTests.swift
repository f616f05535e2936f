import Foundation
import Testing

/// `trigger`: a child run in the child pipeline's own workspace.
@Test func aTriggerTaskRunsTheChildPipelineAndFollowsItsOutcome() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("parent.yaml", """
        pipeline: parent
        params:
          child_should_fail: false
        tasks:
          prepare:
            run: echo parent > from_parent.txt
          retrain:
            needs: [prepare]
            trigger: child
          report:
            needs: [retrain]
            run: "true"

        """)
    // The child's workspace is its own directory (workdir), so its records live there.
    try workspace.write("child.yaml", """
        pipeline: child
        workdir: child_ws
        params:
          fail: false
        tasks:
          work:
            run: pwd > where.txt; test {{ params.fail }} = false

        """)
    try FileManager.default.createDirectory(atPath: workspace.path + "/child_ws", withIntermediateDirectories: true)
    let outcome = try workspace.run("parent.yaml")
    #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
    let parent = try workspace.show()
    #expect(parent.state("retrain") == "success")
    #expect(parent.state("report") == "success")
    let childID = try #require(parent.childRuns.first)
    #expect(workspace.read("child_ws/where.txt") == workspace.path + "/child_ws\n")
    let child = try workspace.show(childID)
    #expect(child.json["parent_run_id"] as? String == parent.runID)
    #expect(child.state("work") == "success")
    #expect(workspace.exists("child_ws/.sluice/runs/child/\(childID)/journal.jsonl"))

    // A failing child fails the trigger task, and its downstream.
    try workspace.write("child.yaml", (workspace.read("child.yaml") ?? "").replacingOccurrences(of: "fail: false", with: "fail: true"))
    let failing = try workspace.run("parent.yaml")
    #expect(failing.status == 1)
    let second = try workspace.show()
    #expect(second.state("retrain") == "failed")
    #expect(second.state("report") == "upstream_failed")
}

/// A trigger task follows the child run's state, which comes from the
/// child's leaves: a child whose failed task is followed only by an
/// `all_done` leaf succeeded, and so does the trigger task.
@Test func aTriggerTaskFollowsTheChildRunStateFromItsLeaves() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("parent.yaml", """
        pipeline: parent
        tasks:
          start_child:
            trigger: child

        """)
    try workspace.write("child.yaml", """
        pipeline: child
        workdir: child_ws
        tasks:
          work:
            run: exit 1
          tidy:
            needs: [work]
            trigger_rule: all_done
            run: "true"

        """)
    try FileManager.default.createDirectory(atPath: workspace.path + "/child_ws", withIntermediateDirectories: true)
    let outcome = try workspace.run("parent.yaml")
    #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
    let parent = try workspace.show()
    #expect(parent.state("start_child") == "success")
    let childID = try #require(parent.childRuns.first)
    let child = try workspace.show(childID)
    #expect(child.state == "success")
    #expect(child.state("work") == "failed")
}
