import Foundation
import Testing

/// `trigger: { pipeline: NAME, params: {...} }` (issue 19 item 4): values
/// rendered like `env` values from upstream outputs, params, `run.*` and
/// `item`, typed by the child's param they replace as `--param` is.
@Test func aTriggerPassesAParamBuiltFromAnUpstreamOutputIntoTheChild() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("daily.yaml", """
        pipeline: daily
        tasks:
          build:
            run: echo "dataset_id=ds-{{ run.date }}-7" >> "$SLUICE_OUTPUTS"
            outputs:
              dataset_id: string
          retrain:
            needs: [build]
            trigger:
              pipeline: retraining
              params:
                training.dataset: "{{ build.dataset_id }}"
                training.days: 30

        """)
    try workspace.write("retraining.yaml", """
        pipeline: retraining
        workdir: child_ws
        params:
          training:
            dataset: none
            days: 400
            alpha: 1.0
        tasks:
          fit:
            run: echo {{ params.training.dataset }} {{ params.training.days }} {{ params.training.alpha }} > seen.txt

        """)
    try FileManager.default.createDirectory(atPath: workspace.path + "/child_ws", withIntermediateDirectories: true)
    let outcome = try workspace.run("daily.yaml")
    #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
    let parent = try workspace.show()
    let childID = try #require(parent.childRuns.first)
    let dataset = try #require(parent.outputs("build")["dataset_id"] as? String)
    #expect(dataset.hasPrefix("ds-") && dataset.hasSuffix("-7"))
    // The child's task saw the upstream output, the literal typed as an int, and its own default.
    #expect(workspace.read("child_ws/seen.txt") == "\(dataset) 30 1.0\n")

    // The child's record holds the params it got and its parent: JSON and table.
    let child = try workspace.show(childID)
    #expect(child.json["parent_run_id"] as? String == parent.runID)
    let given = try #require(child.json["trigger_params"] as? [String: Any])
    #expect(given["training.dataset"] as? String == dataset)
    #expect(given["training.days"] as? Int == 30)
    let table = try CLI.run(["show", childID], cwd: workspace.url)
    #expect(table.status == 0)
    #expect(table.stdout.contains("triggered by \(parent.runID ?? "?")\n"), "\(table.stdout)")
    #expect(table.stdout.contains("param training.dataset = \"\(dataset)\" (from the trigger)\n"), "\(table.stdout)")
    #expect(table.stdout.contains("param training.days = 30 (from the trigger)\n"), "\(table.stdout)")
    // A run started by hand records no trigger params.
    #expect(parent.json["trigger_params"] == nil)
}

/// A value that the child's param refuses at run time (the upstream output
/// is a string that is not an integer) fails the trigger task with the
/// `--param` message, and the child never starts.
@Test func aTriggerParamTheChildRefusesFailsTheTriggerTask() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("daily.yaml", """
        pipeline: daily
        tasks:
          build:
            run: echo 'count="many"' >> "$SLUICE_OUTPUTS"
            outputs:
              count: json
          retrain:
            needs: [build]
            trigger:
              pipeline: retraining
              params:
                training.days: "{{ build.count }}"

        """)
    try workspace.write("retraining.yaml", """
        pipeline: retraining
        workdir: child_ws
        params:
          training:
            days: 400
        tasks:
          fit:
            run: echo {{ params.training.days }} > seen.txt

        """)
    try FileManager.default.createDirectory(atPath: workspace.path + "/child_ws", withIntermediateDirectories: true)
    let outcome = try workspace.run("daily.yaml")
    #expect(outcome.status == 1, "\(outcome.stdout)\(outcome.stderr)")
    let parent = try workspace.show()
    #expect(parent.state("retrain") == "failed")
    // The summary says why, in `--param`'s words.
    #expect(outcome.stdout.contains("child run of retraining not started: trigger param training.days=\"many\": params.training.days is an integer"),
            "\(outcome.stdout)")
    #expect(!workspace.exists("child_ws/seen.txt"))
}

/// A `foreach` task may trigger: one child run per item, each with its item,
/// no more at once than its pool allows.
@Test func aMappedTriggerStartsOneChildRunPerItem() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("ingest.yaml", """
        pipeline: ingest
        params:
          tickers: [AAPL, MSFT, NVDA]
        pools: { retrain_slots: 1 }
        tasks:
          retrain:
            foreach: params.tickers
            pool: retrain_slots
            trigger:
              pipeline: retraining
              params:
                ticker: "{{ item }}"
                position: "{{ index }}"

        """)
    try workspace.write("retraining.yaml", """
        pipeline: retraining
        workdir: child_ws
        params:
          ticker: none
          position: -1
        tasks:
          fit:
            cache: false
            run: echo {{ params.ticker }} {{ params.position }} $(date +%s%N) >> seen.txt; sleep 0.2; echo done {{ params.ticker }} >> seen.txt

        """)
    try FileManager.default.createDirectory(atPath: workspace.path + "/child_ws", withIntermediateDirectories: true)
    let outcome = try workspace.run("ingest.yaml")
    #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
    let parent = try workspace.show()
    #expect(parent.instances("retrain").map { $0["state"] as? String } == ["success", "success", "success"])
    #expect(parent.childRuns.count == 3)
    var tickers: [String] = []
    for childID in parent.childRuns {
        let given = try #require(try workspace.show(childID).json["trigger_params"] as? [String: Any])
        tickers.append(given["ticker"] as? String ?? "?")
        #expect(given["position"] is Int)
    }
    #expect(tickers.sorted() == ["AAPL", "MSFT", "NVDA"])
    // One slot: each child's task finished before the next started.
    let lines = (workspace.read("child_ws/seen.txt") ?? "").split(separator: "\n").map { $0.split(separator: " ") }
    #expect(lines.count == 6)
    for pair in stride(from: 0, to: lines.count - 1, by: 2) {
        #expect(lines[pair].first.map(String.init) != "done" && lines[pair + 1].first == "done" && lines[pair + 1].last == lines[pair].first,
                "\(lines)")
    }
}
