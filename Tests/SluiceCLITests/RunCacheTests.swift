import Foundation
import Testing

/// Caching end to end: what a second run runs, what a change re-runs, and
/// what --force, --force-task, cache: false and --explain do.

private let chain = """
    pipeline: chain
    params:
      a: { n: 1 }
      b: { word: hello }
    tasks:
      first:
        run: echo first >> ran.log; echo "n={{ params.a.n }}" >> "$SLUICE_OUTPUTS"
        outputs: { n: int }
      table:
        needs: [first]
        run: echo table >> ran.log; printf 'x,w\\n{{ first.n }},{{ params.b.word }}\\n' > "$SLUICE_TABLE_ROWS"
        deps: [data/input.txt]
        outputs:
          rows: "table(x: int64, w: string)"
      last:
        needs: [table]
        run: echo last >> ran.log; sluice cat {{ table.rows }} --format csv > last.csv
      side:
        run: echo side >> ran.log; echo "word={{ params.b.word }}" >> "$SLUICE_OUTPUTS"
        outputs: { word: string }
      each:
        foreach: params.b.items
        run: echo each{{ item }} >> ran.log
      volatile:
        cache: false
        needs: [side]
        run: echo volatile >> ran.log
      after_volatile:
        needs: [volatile]
        run: echo after_volatile >> ran.log

    """

private func chainWorkspace() throws -> RunWorkspace {
    let workspace = try RunWorkspace()
    try workspace.write("chain.yaml", chain.replacingOccurrences(of: "b: { word: hello }", with: "b: { word: hello, items: [1, 2] }"))
    try workspace.write("data/input.txt", "one\n")
    return workspace
}

/// Which tasks wrote to ran.log since the last call (and clears it).
private func ranSinceLast(_ workspace: RunWorkspace) -> [String] {
    let lines = (workspace.read("ran.log") ?? "").split(separator: "\n").map(String.init).sorted()
    try? FileManager.default.removeItem(at: workspace.url.appendingPathComponent("ran.log"))
    return lines
}

@Test func aSecondRunOfAnUnchangedPipelineRunsNothing() throws {
    let workspace = try chainWorkspace()
    defer { workspace.cleanUp() }
    let first = try workspace.run("chain.yaml")
    #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
    #expect(ranSinceLast(workspace) == ["after_volatile", "each1", "each2", "first", "last", "side", "table", "volatile"])
    let before = try workspace.show()

    let second = try workspace.run("chain.yaml")
    #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
    #expect(ranSinceLast(workspace) == ["after_volatile", "volatile"], "only the cache: false task and its downstream run")
    let run = try workspace.show()
    #expect(run.cached == ["first", "table", "last", "side", "each[0]", "each[1]"])
    #expect(run.ran == ["volatile", "after_volatile"])
    for instance in run.tasks where instance["state"] as? String == "cached" {
        #expect(instance["cache_hit"] as? Bool == true)
        #expect((instance["attempts"] as? [Any])?.isEmpty == true, "a cached instance made no attempt")
    }
    // Outputs are reused: the same values, the table linked into this run's own directory.
    #expect(run.outputs("first")["n"] as? Int == 1)
    let table = try #require(run.outputs("table")["rows"] as? String)
    #expect(table.contains("/\(run.runID ?? "?")/outputs/table/rows.arrow"))
    let previous = try #require(before.outputs("table")["rows"] as? String)
    #expect(try workspace.tableDigests([table]) == workspace.tableDigests([previous]))
    // tasks.arrow says cache_hit for them.
    let tasksTable = workspace.path + "/.sluice/runs/chain/\(run.runID ?? "")/tasks.arrow"
    let csv = try CLI.run(["cat", tasksTable, "--format", "csv"], cwd: workspace.url).stdout
    let firstRow = try #require(csv.split(separator: "\n").first { $0.hasPrefix("first,") })
    #expect(firstRow.contains(",cached,") && firstRow.contains(",true,"), "\(firstRow)")
    #expect(try workspace.cacheProblems().problems.isEmpty)
}

@Test func changingOneParamReRunsExactlyItsReadersAndTheirDownstream() throws {
    let workspace = try chainWorkspace()
    defer { workspace.cleanUp() }
    #expect(try workspace.run("chain.yaml").status == 0)
    _ = ranSinceLast(workspace)

    let changed = try workspace.run("chain.yaml", ["--param", "a.n=2", "--explain"])
    #expect(changed.status == 0, "\(changed.stderr)")
    #expect(ranSinceLast(workspace) == ["after_volatile", "first", "last", "table", "volatile"])
    #expect(changed.stdout.contains("first: ran: param a.n changed (1 -> 2)"), "\(changed.stdout)")
    #expect(changed.stdout.contains("table: ran: upstream value first.n changed (1 -> 2)"), "\(changed.stdout)")
    #expect(changed.stdout.contains("last: ran: upstream value table.rows changed"), "\(changed.stdout)")
    #expect(changed.stdout.contains("side: cached: key "), "\(changed.stdout)")
    #expect(changed.stdout.contains("volatile: ran: cache: false"), "\(changed.stdout)")
    #expect(changed.stdout.contains("after_volatile: ran: upstream volatile ran"), "\(changed.stdout)")

    // Back to the first value: its entries are still there.
    let back = try workspace.run("chain.yaml", ["--explain"])
    #expect(back.status == 0)
    #expect(ranSinceLast(workspace) == ["after_volatile", "volatile"])
    #expect(back.stdout.contains("first: cached: key "), "\(back.stdout)")
}

@Test func editingADepsFileReRunsItsTask() throws {
    let workspace = try chainWorkspace()
    defer { workspace.cleanUp() }
    #expect(try workspace.run("chain.yaml").status == 0)
    _ = ranSinceLast(workspace)
    try workspace.write("data/input.txt", "two\n")  // same size: the content decides
    let edited = try workspace.run("chain.yaml", ["--explain"])
    #expect(edited.status == 0)
    #expect(ranSinceLast(workspace) == ["after_volatile", "last", "table", "volatile"])
    #expect(edited.stdout.contains("table: ran: deps file data/input.txt changed"), "\(edited.stdout)")
    #expect(edited.stdout.contains("last: ran: upstream table ran"), "\(edited.stdout)")
    let again = try workspace.run("chain.yaml")
    #expect(again.status == 0)
    #expect(ranSinceLast(workspace) == ["after_volatile", "volatile"])
}

@Test func forceAndForceTaskRunWhatTheySay() throws {
    let workspace = try chainWorkspace()
    defer { workspace.cleanUp() }
    #expect(try workspace.run("chain.yaml").status == 0)
    _ = ranSinceLast(workspace)

    let forced = try workspace.run("chain.yaml", ["--force", "--explain"])
    #expect(forced.status == 0)
    #expect(ranSinceLast(workspace) == ["after_volatile", "each1", "each2", "first", "last", "side", "table", "volatile"])
    #expect(forced.stdout.contains("first: ran: --force"), "\(forced.stdout)")

    let one = try workspace.run("chain.yaml", ["--force-task", "table", "--explain"])
    #expect(one.status == 0)
    #expect(ranSinceLast(workspace) == ["after_volatile", "last", "table", "volatile"])
    #expect(one.stdout.contains("table: ran: --force-task"), "\(one.stdout)")
    #expect(one.stdout.contains("last: ran: --force-task"), "\(one.stdout)")
    #expect(try workspace.show().cached == ["first", "side", "each[0]", "each[1]"])

    let unknown = try workspace.run("chain.yaml", ["--force-task", "nope"])
    #expect(unknown.status == 2)
    #expect(unknown.stderr.contains("no task \"nope\""), "\(unknown.stderr)")
    #expect(try workspace.cacheProblems().problems.isEmpty)
}

@Test func aBranchReplaysItsChoiceFromTheCache() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("branchy.yaml", """
        pipeline: branchy
        params: { pick: left }
        tasks:
          decide:
            branch: [left, right]
            run: echo decide >> ran.log; echo "branch={{ params.pick }}" >> "$SLUICE_OUTPUTS"
          left:
            needs: [decide]
            run: echo left >> ran.log
          right:
            needs: [decide]
            run: echo right >> ran.log
          join:
            needs: [left, right]
            trigger_rule: none_failed_min_one_success
            run: echo join >> ran.log

        """)
    #expect(try workspace.run("branchy.yaml").status == 0)
    #expect(ranSinceLast(workspace) == ["decide", "join", "left"])
    #expect(try workspace.run("branchy.yaml").status == 0)
    #expect(ranSinceLast(workspace) == [])
    let run = try workspace.show()
    #expect(run.states == ["decide": "cached", "left": "cached", "right": "skipped", "join": "cached"])
    #expect(run.outputs("decide")["branch"] as? String == "left")
    #expect(try workspace.run("branchy.yaml", ["--param", "pick=right"]).status == 0)
    #expect(ranSinceLast(workspace) == ["decide", "join", "right"])
}

@Test func noSecretValueReachesTheCache() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("secret.yaml", """
        pipeline: secretive
        secrets: [TOKEN]
        tasks:
          use:
            env: { TOKEN: "{{ params.t }}", OTHER: plain }
            run: echo "n=4" >> "$SLUICE_OUTPUTS"
            outputs: { n: int }
          leak:
            run: echo "said=$REAL_TOKEN" >> "$SLUICE_OUTPUTS"
            outputs: { said: string }
        params: { t: from-params }

        """)
    let secret = "s3cr3t-value-42"
    let environment = ["TOKEN": secret, "REAL_TOKEN": secret]
    #expect(try workspace.run("secret.yaml", environment: environment).status == 0)
    let second = try workspace.run("secret.yaml", ["--explain"], environment: environment)
    #expect(second.stdout.contains("use: cached"), "\(second.stdout)")
    #expect(second.stdout.contains("leak: ran: no earlier run"), "an output holding a secret is not cached: \(second.stdout)")
    for (file, data) in workspace.recordFiles() {
        #expect(!String(decoding: data, as: UTF8.self).contains(secret), "\(file) holds the secret")
    }
}

@Test func theForecastExampleReRunsExactlyWhatAParamReaches() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    let examples = CLI.packageRoot.appendingPathComponent("pipelines")
    for item in ["demand_forecast.yaml", "params", "scripts"] {
        try FileManager.default.copyItem(at: examples.appendingPathComponent(item), to: workspace.url.appendingPathComponent(item))
    }
    // scripts/sluice_task links to the package in Sources/python: a copied workspace carries the package itself.
    let package = workspace.url.appendingPathComponent("scripts/sluice_task")
    try FileManager.default.removeItem(at: package)
    try FileManager.default.copyItem(at: CLI.packageRoot.appendingPathComponent("Sources/python/sluice_task"), to: package)
    let first = try workspace.run("demand_forecast.yaml")
    #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
    let all: Set<String> = ["ingest", "prepare_clean", "validate_clean", "train_backtest_select", "register_champion", "forecast_publish"]
    #expect(try workspace.show().ran == all)

    // Only forecast_publish reads the horizon.
    let horizon = try workspace.run("demand_forecast.yaml", ["--param", "forecast.horizon_hours=48", "--explain"])
    #expect(horizon.status == 0, "\(horizon.stderr)")
    let afterHorizon = try workspace.show()
    #expect(afterHorizon.ran == ["forecast_publish"])
    #expect(afterHorizon.cached == all.subtracting(["forecast_publish"]))
    #expect(horizon.stdout.contains("forecast_publish: ran: param forecast.horizon_hours changed (24 -> 48)"), "\(horizon.stdout)")

    // prepare_clean reads the spike threshold: it and everything after it run, ingest stays cached.
    let spikes = try workspace.run("demand_forecast.yaml", ["--param", "clean.spike_zscore=7.0", "--explain"])
    #expect(spikes.status == 0, "\(spikes.stderr)")
    let afterSpikes = try workspace.show()
    #expect(afterSpikes.ran == all.subtracting(["ingest"]))
    #expect(afterSpikes.cached == ["ingest"])
    #expect(spikes.stdout.contains("prepare_clean: ran: param clean.spike_zscore changed (6.0 -> 7.0)"), "\(spikes.stdout)")

    // Unchanged: nothing runs.
    #expect(try workspace.run("demand_forecast.yaml", ["--param", "clean.spike_zscore=7.0"]).status == 0)
    #expect(try workspace.show().cached == all)
}
