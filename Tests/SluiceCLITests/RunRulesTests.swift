import Foundation
import Testing

/// Trigger rules and branching, end to end through the real binary.

/// Upstream tasks in every state: `ok` succeeds, `bad` fails, and the branch
/// `decide` picks `chosen`, so `unchosen` is skipped.
private let upstreams = """
    pipeline: rules
    tasks:
      ok:
        run: "true"
      bad:
        run: exit 1
      decide:
        run: echo branch=chosen >> "$SLUICE_OUTPUTS"
        branch: [chosen, unchosen]
      chosen:
        needs: [decide]
      unchosen:
        needs: [decide]

    """

/// (task name, trigger rule, upstream tasks, expected state)
private let ruleCases: [(String, String, [String], String)] = [
    ("all_success_runs", "all_success", ["ok", "chosen"], "success"),
    ("all_success_skips", "all_success", ["ok", "unchosen"], "skipped"),
    ("all_success_fails", "all_success", ["ok", "bad"], "upstream_failed"),
    ("all_failed_runs", "all_failed", ["bad"], "success"),
    ("all_failed_skips", "all_failed", ["bad", "ok"], "skipped"),
    ("all_done_runs", "all_done", ["ok", "bad", "unchosen"], "success"),
    ("adm_runs", "all_done_min_one_success", ["ok", "bad"], "success"),
    ("adm_fails", "all_done_min_one_success", ["bad"], "upstream_failed"),
    ("adm_skips", "all_done_min_one_success", ["ok", "unchosen"], "skipped"),
    ("all_skipped_runs", "all_skipped", ["unchosen"], "success"),
    ("all_skipped_skips", "all_skipped", ["unchosen", "ok"], "skipped"),
    ("one_success_runs", "one_success", ["bad", "ok"], "success"),
    ("one_success_fails", "one_success", ["bad"], "upstream_failed"),
    ("one_failed_runs", "one_failed", ["bad", "ok"], "success"),
    ("one_failed_skips", "one_failed", ["ok"], "skipped"),
    ("one_done_runs", "one_done", ["bad", "unchosen"], "success"),
    ("one_done_skips", "one_done", ["unchosen"], "skipped"),
    ("none_failed_runs", "none_failed", ["ok", "unchosen"], "success"),
    ("none_failed_fails", "none_failed", ["ok", "bad"], "upstream_failed"),
    ("nfmos_runs", "none_failed_min_one_success", ["chosen", "unchosen"], "success"),
    ("nfmos_skips", "none_failed_min_one_success", ["unchosen"], "skipped"),
    ("none_skipped_runs", "none_skipped", ["ok", "bad"], "success"),
    ("none_skipped_skips", "none_skipped", ["ok", "unchosen"], "skipped"),
    ("always_runs", "always", ["bad"], "success"),
]

@Test func everyTriggerRuleBehavesAsInAirflow() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    var spec = upstreams
    for (name, rule, needs, _) in ruleCases {
        spec += "  \(name):\n    needs: [\(needs.joined(separator: ", "))]\n    trigger_rule: \(rule)\n    run: \"true\"\n"
    }
    try workspace.write("rules.yaml", spec)
    let outcome = try workspace.run("rules.yaml")
    #expect(outcome.status == 1, "bad failed, so the run fails: \(outcome.stderr)")
    let run = try workspace.show()
    #expect(run.state == "failed")
    #expect(run.state("bad") == "failed")
    #expect(run.state("unchosen") == "skipped")
    for (name, rule, needs, expected) in ruleCases {
        #expect(run.state(name) == expected, "\(rule) after \(needs)")
    }
    #expect(Set(ruleCases.map(\.1)).count == 12, "all twelve rules are covered")
}

@Test func branchSkipsPropagateAndTheJoinRuns() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("branch.yaml", """
        pipeline: branching
        params:
          pick: left
        tasks:
          decide:
            run: echo "branch=$(printf '%s' {{ params.pick }})" >> "$SLUICE_OUTPUTS"
            branch: [left, right]
          left:
            needs: [decide]
            run: echo left > left.txt
          right:
            needs: [decide]
            run: echo right > right.txt
          right_more:
            needs: [right]
            run: echo more > right_more.txt
          join:
            needs: [left, right_more]
            trigger_rule: none_failed_min_one_success
            run: echo joined > join.txt

        """)
    let outcome = try workspace.run("branch.yaml")
    #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
    let run = try workspace.show()
    #expect(run.state("left") == "success")
    #expect(run.state("right") == "skipped")
    #expect(run.state("right_more") == "skipped", "the skip propagates through all_success")
    #expect(run.state("join") == "success")
    #expect(workspace.exists("join.txt") && workspace.exists("left.txt"))
    #expect(!workspace.exists("right.txt") && !workspace.exists("right_more.txt"))
    #expect(run.outputs("decide")["branch"] as? String == "left")

    // A JSON list picks both; nothing is skipped.
    let both = try workspace.run("branch.yaml", ["--param", #"pick=["left","right"]"#])
    #expect(both.status == 0, "\(both.stdout)\(both.stderr)")
    let second = try workspace.show()
    #expect(second.state("right_more") == "success")
    #expect(second.state("join") == "success")
}

/// Airflow's branch join (`skip_all_except` follows the chosen tasks'
/// downstream): `join` needs the branch and a task below the chosen `left`,
/// so it runs; `elsewhere` is below no chosen task and is skipped.
@Test func aTaskBelowTheBranchAndAChosenTaskRuns() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("join.yaml", """
        pipeline: joining
        tasks:
          decide:
            run: echo branch=left >> "$SLUICE_OUTPUTS"
            branch: [left, right]
          left:
            needs: [decide]
            run: "true"
          right:
            needs: [decide]
            run: "true"
          after_left:
            needs: [left]
            run: "true"
          join:
            needs: [decide, after_left]
            run: echo joined > join.txt
          elsewhere:
            needs: [decide, right]
            run: echo elsewhere > elsewhere.txt

        """)
    let outcome = try workspace.run("join.yaml")
    #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
    let run = try workspace.show()
    #expect(run.state("right") == "skipped")
    #expect(run.state("join") == "success", "join is below the chosen left")
    #expect(run.state("elsewhere") == "skipped")
    #expect(workspace.exists("join.txt") && !workspace.exists("elsewhere.txt"))
}

/// Airflow's DAG-run rule: the run's state comes from its leaf tasks. A
/// failure that an `all_done` leaf runs after leaves the run successful
/// (exit 0), and the summary still lists the failed task; a leaf that ends
/// upstream_failed fails the run.
@Test func theRunStateComesFromTheLeaves() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("leaves.yaml", """
        pipeline: leaves
        tasks:
          load:
            run: exit 3
          cleanup:
            needs: [load]
            trigger_rule: all_done
            run: echo cleaned > cleanup.txt

        """)
    let hidden = try workspace.run("leaves.yaml")
    #expect(hidden.status == 0, "every leaf succeeded: \(hidden.stdout)\(hidden.stderr)")
    let run = try workspace.show()
    #expect(run.state == "success")
    #expect(run.state("load") == "failed")
    #expect(run.state("cleanup") == "success")
    let summary = hidden.stdout + hidden.stderr
    #expect(summary.contains("load") && summary.contains("failed"), "the summary lists the failed task: \(summary)")

    try workspace.write("leaves.yaml", (workspace.read("leaves.yaml") ?? "") + "  report:\n    needs: [load]\n    run: \"true\"\n")
    let shown = try workspace.run("leaves.yaml")
    #expect(shown.status == 1, "report ends upstream_failed: \(shown.stdout)\(shown.stderr)")
    let second = try workspace.show()
    #expect(second.state == "failed")
    #expect(second.state("report") == "upstream_failed")
}
