import Foundation
import Testing

/// Runs whose results do not depend on where or how they were started
/// (issue 16): branch values as the plan types them, `deps` from any working
/// directory, `--resume` keeping the run's flags, `--explain` wording, secret
/// outputs and caching downstream, and piped progress in time order.

@Test func aBranchOutputRendersAsTheBareChoice() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("bare.yaml", """
        pipeline: bare_branch
        tasks:
          decide:
            run: echo branch=left >> "$SLUICE_OUTPUTS"
            branch: [left, right]
          left:
            needs: decide
            run: printf '%s' {{ decide.branch }} > chosen.txt
          right:
            needs: decide
            run: "true"

        """)
    let outcome = try workspace.run("bare.yaml")
    #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
    // The plan types `decide.branch` as a string, so it is one quoted word: the choice itself.
    #expect(workspace.read("chosen.txt") == "left")
}

/// A branch task may choose several tasks (a JSON list); what `{{ decide.branch }}`
/// is downstream is one fact, `list[string]`, for lint, the plan, `sluice run`
/// and `sluice task-run` alike: one word per chosen task.
private let listBranchSpec = """
    pipeline: list_branch
    tasks:
      decide:
        run: echo 'branch=["left","right"]' >> "$SLUICE_OUTPUTS"
        branch: [left, right, other]
      left:
        needs: decide
        run: printf '<%s>' {{ decide.branch }} > chosen.txt
      right:
        needs: decide
        run: "true"
      other:
        needs: decide
      each:
        needs: left
        foreach: decide.branch
        run: printf '%s' {{ item }} > "each.{{ index }}.txt"

    """

@Test func aBranchThatChoosesSeveralTasksIsAListDownstream() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("list.yaml", listBranchSpec)
    let lint = try CLI.run(["lint", "list.yaml", "--format", "json"], cwd: workspace.url)
    #expect(lint.status == 0, "lint: \(lint.stdout)")
    let planned = try CLI.run(["plan", "list.yaml"], cwd: workspace.url)
    let plan = try JSONSerialization.jsonObject(with: Data(planned.stdout.utf8)) as? [String: Any]
    let left = (plan?["tasks"] as? [[String: Any]])?.first { $0["id"] as? String == "left" }
    let reads = ((left?["reads"] as? [String: Any])?["outputs"] as? [[String: Any]]) ?? []
    #expect(reads.map { $0["type"] as? String } == ["list[string]"], "\(planned.stdout)\(planned.stderr)")
    let outcome = try workspace.run("list.yaml")
    #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
    #expect(workspace.read("chosen.txt") == "<left><right>")
    #expect(workspace.read("each.0.txt") == "left" && workspace.read("each.1.txt") == "right")
    // The record keeps what the task wrote.
    #expect(try workspace.show().outputs("decide")["branch"] as? [String] == ["left", "right"])
}

@Test func taskRunSeesABranchAsTheListARunSees() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("list.yaml", listBranchSpec)
    let planned = try CLI.run(["plan", "list.yaml", "-o", "list.plan.json"], cwd: workspace.url)
    #expect(planned.status == 0, "\(planned.stderr)")
    // Airflow hands on the branch's XCom as the task wrote it: a list, or one choice.
    for (upstream, expected) in [(#"{"decide.branch": ["left", "right"]}"#, "<left><right>"), (#"{"decide.branch": "left"}"#, "<left>")] {
        let outcome = try CLI.run(["task-run", "list.plan.json", "--task", "left", "--workspace", workspace.path, "--run-id", "manual__b1",
                                   "--run-date", "2026-01-02", "--upstream", upstream], cwd: workspace.url)
        #expect(outcome.status == 0, "\(upstream): \(outcome.stdout)\(outcome.stderr)")
        #expect(workspace.read("chosen.txt") == expected)
    }
}

/// Airflow keeps no return value of a branch task that skipped a task, and
/// maps only over return values, so the export refuses a `foreach` over a
/// branch's choice rather than map it through a helper task that changed
/// what Airflow decides (issue 18 item 5; docs/airflow.md).
@Test func anExportedForeachOverABranchIsRefused() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("list.yaml", listBranchSpec)
    let exported = try CLI.run(["export", "airflow", "list.yaml", "-o", "dags", "--workspace", workspace.path], cwd: workspace.url)
    #expect(exported.status == 1)
    #expect(exported.stderr.contains("task each: maps over decide.branch, an output of a branch task"), "\(exported.stderr)")
    #expect(!workspace.exists("dags"))
}

@Test func depsResolveTheSameFromAnyWorkingDirectory() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("pipelines/model.yaml", """
        pipeline: deps_workdir
        workdir: ..
        tasks:
          train:
            run: cat scripts/train.txt
            deps: [./scripts/train.txt]

        """)
    try workspace.write("scripts/train.txt", "v1\n")
    let inPipelines = workspace.url.appendingPathComponent("pipelines")
    func run(from cwd: URL, _ spec: String) throws -> (CLI.Outcome, String?) {
        let outcome = try CLI.run(["run", spec, "--explain"], cwd: cwd, environment: ["NO_COLOR": "1"])
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        return (outcome, try workspace.show().state("train"))
    }
    #expect(try run(from: workspace.url, "pipelines/model.yaml").1 == "success")
    let (fromPipelines, state) = try run(from: inPipelines, "model.yaml")
    #expect(state == "cached", "the same deps file, named from another directory: \(fromPipelines.stdout)")

    try workspace.write("scripts/train.txt", "v2\n")
    let (edited, editedState) = try run(from: workspace.url, "pipelines/model.yaml")
    #expect(editedState == "success")
    #expect(edited.stdout.contains("train: ran: deps file scripts/train.txt changed"), "\(edited.stdout)")
    #expect(try run(from: inPipelines, "model.yaml").1 == "cached")
}

@Test func aMissingDepsFileIsNamedAtRunTime() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("gone.yaml", """
        pipeline: deps_gone
        tasks:
          train:
            run: "true"
            deps: [scripts/nope.py]

        """)
    let outcome = try workspace.run("gone.yaml")
    #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
    #expect(outcome.stderr.contains("note: task \"train\" lists deps file \"scripts/nope.py\", which does not exist in the workspace"),
            "\(outcome.stderr)")
}

private let forcedSpec = """
    pipeline: forced
    tasks:
      first:
        run: echo ran >> first.log
      second:
        needs: first
        run: echo ran >> second.log; test ! -e fail

    """

@Test func resumeKeepsTheForceTheRunWasStartedWith() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("forced.yaml", forcedSpec)
    #expect(try workspace.run("forced.yaml").status == 0)  // both tasks make cache entries
    try workspace.write("fail", "")
    #expect(try workspace.run("forced.yaml", ["--force"]).status == 1)
    try FileManager.default.removeItem(at: workspace.url.appendingPathComponent("fail"))
    let runID = try #require(try workspace.show().runID)
    let journal = try #require(workspace.read(".sluice/runs/forced/\(runID)/journal.jsonl"))

    let different = try workspace.run("forced.yaml", ["--no-cache", "--resume", "latest"])
    #expect(different.status == 2)
    #expect(different.stderr.contains("cannot resume run \(runID) with --no-cache (it was started without it)"), "\(different.stderr)")
    #expect(workspace.read(".sluice/runs/forced/\(runID)/journal.jsonl") == journal, "a refused resume changes nothing")

    let resumed = try workspace.run("forced.yaml", ["--resume", "latest"])
    #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
    #expect(resumed.stderr.contains("note: run \(runID) continues with --force, as it was started"), "\(resumed.stderr)")
    let run = try workspace.show()
    #expect(run.runID == runID)
    #expect(run.state("second") == "success", "a forced run resumed does not take tasks from the cache")
    #expect(workspace.read("second.log") == "ran\nran\nran\n")
    #expect(workspace.read("first.log") == "ran\nran\n", "what succeeded before the resume is kept")
}

@Test func resumeOfASucceededRunChangesNothing() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("forced.yaml", forcedSpec)
    #expect(try workspace.run("forced.yaml").status == 0)
    let runID = try #require(try workspace.show().runID)
    let path = ".sluice/runs/forced/\(runID)/journal.jsonl"
    let journal = try #require(workspace.read(path))
    let resumed = try workspace.run("forced.yaml", ["--resume", "latest"])
    #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
    #expect(resumed.stdout.contains("run \(runID) already succeeded; nothing to resume"), "\(resumed.stdout)\(resumed.stderr)")
    #expect(workspace.read(path) == journal)
    #expect(workspace.read("first.log") == "ran\n")
}

@Test func explainNeverShowsTwoIdenticalValuesAsAChange() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("long.yaml", """
        pipeline: long_values
        params:
          tickers: [AAAAAAAAAA, BBBBBBBBBB, CCCCCCCCCC, DDDDDDDDDD]
        tasks:
          show:
            run: echo {{ params.tickers }}

        """)
    #expect(try workspace.run("long.yaml").status == 0)
    let outcome = try workspace.run("long.yaml", ["--explain", "--param", #"tickers=["AAAAAAAAAA","BBBBBBBBBB","CCCCCCCCCC","DDDDDDDDDD","EEEEEEEEEE"]"#])
    #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
    let line = try #require(outcome.stdout.split(separator: "\n").first { $0.hasPrefix("show: ran: param tickers changed") }, "\(outcome.stdout)")
    let change = try #require(line.split(separator: "(", maxSplits: 1).last)
    let sides = change.dropLast().components(separatedBy: " -> ")
    #expect(sides.count == 2 && sides[0] != sides[1], "\(line)")
}

@Test func theDownstreamOfAnUncachedSecretHoldingTaskRunsAgain() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("secret.yaml", """
        pipeline: secret_down
        secrets: [TOKEN]
        tasks:
          leak:
            run: echo "val=$TOKEN" >> "$SLUICE_OUTPUTS"
            outputs: { val: string }
          after:
            needs: leak
            run: echo ran >> after.log

        """)
    for _ in 0..<2 {
        let outcome = try workspace.run("secret.yaml", environment: ["TOKEN": "s3cr3t-value-for-the-test"])
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
    }
    let run = try workspace.show()
    #expect(run.state("leak") == "success")
    #expect(run.state("after") == "success", "docs/executor.md: tasks downstream of an instance that is not cached run again too")
    #expect(workspace.read("after.log") == "ran\nran\n")
}

@Test func pipedProgressLinesAreInTimeOrder() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    // b_second starts when a_first's process ends, and hashing its deps file
    // takes a while: a_first's success is printed only after b_second started.
    try workspace.write("order.yaml", """
        pipeline: progress_order
        max_active_tasks: 1
        tasks:
          a_first:
            run: sleep 0.2
          b_second:
            run: "true"
            deps: [big.bin]

        """)
    try Data(repeating: 7, count: 48 << 20).write(to: workspace.url.appendingPathComponent("big.bin"))
    let outcome = try workspace.run("order.yaml")
    #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
    let stamps = outcome.stdout.split(separator: "\n").compactMap { line -> Int? in
        let parts = line.prefix(12).split(whereSeparator: { $0 == ":" || $0 == "." }).compactMap { Int($0) }
        guard line.count > 12, parts.count == 4 else { return nil }
        return ((parts[0] * 60 + parts[1]) * 60 + parts[2]) * 1000 + parts[3]
    }
    #expect(stamps.count >= 4, "\(outcome.stdout)")
    #expect(stamps == stamps.sorted(), "\(outcome.stdout)")
}

@Test func envFileResolvesTheSameFromAnyWorkingDirectory() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("pipelines/env.yaml", """
        pipeline: env_workdir
        workdir: ..
        env_file: vars.env
        tasks:
          say:
            run: printf '%s' "$GREETING" > greeting.txt
            cache: false

        """)
    try workspace.write("pipelines/vars.env", "GREETING=hello\n")
    for (cwd, spec) in [(workspace.url, "pipelines/env.yaml"), (workspace.url.appendingPathComponent("pipelines"), "env.yaml")] {
        try? FileManager.default.removeItem(at: workspace.url.appendingPathComponent("greeting.txt"))
        let outcome = try CLI.run(["run", spec], cwd: cwd, environment: ["NO_COLOR": "1"])
        #expect(outcome.status == 0, "from \(cwd.lastPathComponent): \(outcome.stdout)\(outcome.stderr)")
        #expect(workspace.read("greeting.txt") == "hello", "env_file is the spec's vars.env, run from \(cwd.lastPathComponent)")
    }
}
