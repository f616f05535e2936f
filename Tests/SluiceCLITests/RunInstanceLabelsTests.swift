import Foundation
import Testing

/// Map instances named by their items (issue 19, item 2): the journal keeps
/// each instance's label and item, and progress, the summary and `sluice
/// show` name instances `download[AAPL]`.

private let labelled = """
    pipeline: labelled
    params:
      tickers: [AAPL, MSFT, GOOG]
      windows: [[1, 2], [3]]
    tasks:
      download:
        foreach: params.tickers
        run: '[ {{ item }} != GOOG ] || { echo "no quote for GOOG" >&2; exit 3; }'
      smooth:
        foreach: params.windows
        run: "true"

    """

@Test func instancesAreNamedByTheirItemsInProgressSummaryJournalAndShow() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("labelled.yaml", labelled)
    let run = try workspace.run("labelled.yaml")
    #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
    // Piped progress: scalar items name their instances; others keep the index.
    #expect(run.stdout.contains("download[AAPL]"), "\(run.stdout)")
    #expect(run.stdout.contains("failed          download[GOOG]"), "\(run.stdout)")
    #expect(run.stdout.contains("smooth[1]"), "\(run.stdout)")
    #expect(!run.stdout.contains("download[0]"), "\(run.stdout)")
    // The summary lists the failed instances by name.
    let section = try #require(run.stdout.range(of: "failed instances:"), "\(run.stdout)")
    let failedPart = String(run.stdout[section.upperBound...])
    #expect(failedPart.contains("download[GOOG]"), "\(failedPart)")
    #expect(!failedPart.contains("download[AAPL]"), "\(failedPart)")

    // The journal's `mapped` line holds the labels and the items.
    let shown = try workspace.show()
    let runID = try #require(shown.runID)
    let mapped = try workspace.journal(runID, pipeline: "labelled").filter { $0["event"] as? String == "mapped" }
    let download = try #require(mapped.first { $0["task"] as? String == "download" })
    #expect(download["labels"] as? [String] == ["AAPL", "MSFT", "GOOG"])
    #expect(download["items"] as? [String] == ["AAPL", "MSFT", "GOOG"])
    let smooth = try #require(mapped.first { $0["task"] as? String == "smooth" })
    #expect(smooth["labels"] as? [String] == ["0", "1"])
    #expect(smooth["items"] as? [[Int]] == [[1, 2], [3]])

    // show --format json: `label` and `item` per instance.
    let goog = try #require(shown.tasks.first { $0["task"] as? String == "download" && $0["map_index"] as? Int == 2 })
    #expect(goog["label"] as? String == "GOOG")
    #expect(goog["item"] as? String == "GOOG")
    let window = try #require(shown.tasks.first { $0["task"] as? String == "smooth" && $0["map_index"] as? Int == 0 })
    #expect(window["label"] as? String == "0")
    #expect(window["item"] as? [Int] == [1, 2])
    // show's text names the failed instance.
    let text = try CLI.run(["show", runID], cwd: workspace.url)
    #expect(text.stdout.contains("download[GOOG] (try 1)"), "\(text.stdout)")

    // A journal written before labels existed still reads: instances keep their index.
    let path = ".sluice/runs/labelled/\(runID)/journal.jsonl"
    let journal = try #require(workspace.read(path))
    let old = journal.split(separator: "\n").map { line -> String in
        guard line.contains("\"event\":\"mapped\""), let start = line.range(of: ",\"labels\"") else { return String(line) }
        return String(line[..<start.lowerBound]) + "}"
    }.joined(separator: "\n") + "\n"
    #expect(old != journal)
    try workspace.write(path, old)
    let oldShown = try workspace.show(runID)
    let oldGoog = try #require(oldShown.tasks.first { $0["task"] as? String == "download" && $0["map_index"] as? Int == 2 })
    #expect(oldGoog["label"] is NSNull)
    #expect(oldGoog["item"] is NSNull)
    let oldText = try CLI.run(["show", runID], cwd: workspace.url)
    #expect(oldText.stdout.contains("download[2] (try 1)"), "\(oldText.stdout)")
}

/// `label:` names instances from a template; duplicates get `#index`, a
/// terminal escape in an item never reaches the terminal, and a long label
/// is cut with its index kept.
private let templated = """
    pipeline: templated
    params:
      region: eu
      tickers: [AAPL, MSFT, "GO\\e[31mOG", AAPL, "\(String(repeating: "x", count: 80))"]
    tasks:
      download:
        foreach: params.tickers
        label: "{{ params.region }}-{{ item }}"
        run: '[ {{ item }} != MSFT ] || { echo "no quote for MSFT" >&2; exit 3; }'

    """

@Test func aLabelTemplateNamesInstancesEverywhereTheRunIsShown() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("templated.yaml", templated)
    let run = try workspace.run("templated.yaml")
    #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
    let longLabel = "eu-" + String(repeating: "x", count: 54) + "…#4"
    // Piped progress and the summary's failed instances.
    #expect(run.stdout.contains("download[eu-AAPL]"), "\(run.stdout)")
    #expect(run.stdout.contains("download[eu-AAPL#3]"), "a repeated label gets its index: \(run.stdout)")
    #expect(run.stdout.contains("download[eu-GO?[31mOG]"), "\(run.stdout)")
    #expect(!run.stdout.contains("\u{1b}") && !run.stderr.contains("\u{1b}"), "no escape reaches the terminal")
    #expect(run.stdout.contains("download[\(longLabel)]"), "\(run.stdout)")
    let section = try #require(run.stdout.range(of: "failed instances:"), "\(run.stdout)")
    #expect(run.stdout[section.upperBound...].contains("download[eu-MSFT]"), "\(run.stdout)")

    // show JSON: the label, and the item as it was.
    let shown = try workspace.show()
    let runID = try #require(shown.runID)
    let labels = shown.instances("download").sorted { ($0["map_index"] as? Int ?? 0) < ($1["map_index"] as? Int ?? 0) }
        .map { $0["label"] as? String }
    #expect(labels == ["eu-AAPL", "eu-MSFT", "eu-GO?[31mOG", "eu-AAPL#3", longLabel])
    let third = try #require(shown.instances("download").first { $0["map_index"] as? Int == 2 })
    #expect(third["item"] as? String == "GO\u{1b}[31mOG")

    // tasks.arrow: label and item columns, read with pyarrow.
    let table = ".sluice/runs/templated/\(runID)/tasks.arrow"
    let read = try workspace.python("""
        import json, sys, pyarrow.ipc as ipc
        t = ipc.open_file(sys.argv[1]).read_all()
        rows = sorted(zip(t.column("map_index").to_pylist(), t.column("label").to_pylist(), t.column("item").to_pylist()))
        print(json.dumps([t.schema.field("label").type == "string", rows]))
        """, [table])
    #expect(read.status == 0, "\(read.stderr)")
    let parsed = try #require(try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [Any])
    #expect(parsed.first as? Bool == true)
    let rows = try #require(parsed.last as? [[Any]])
    #expect(rows.count == 5)
    #expect(rows.first?[1] as? String == "eu-AAPL")
    #expect(rows.first?[2] as? String == "\"AAPL\"", "the item as JSON text")
    #expect(rows[1][1] as? String == "eu-MSFT")

    // graph --run names the failed instance by its label.
    let graph = try CLI.run(["graph", "templated.yaml", "--run", runID, "--format", "ascii"], cwd: workspace.url)
    #expect(graph.status == 0, "\(graph.stderr)")
    #expect(graph.stdout.contains("failed: eu-MSFT"), "\(graph.stdout)")
    let dot = try CLI.run(["graph", "templated.yaml", "--run", runID], cwd: workspace.url)
    #expect(dot.stdout.contains("failed: eu-MSFT"), "\(dot.stdout)")

    // The export names instances by label, and task-run prints the label it rendered.
    let export = try CLI.run(["export", "airflow", "templated.yaml", "-o", "dags", "--workspace", workspace.path], cwd: workspace.url)
    #expect(export.status == 0, "\(export.stderr)")
    let dag = try #require(workspace.read("dags/templated.py"))
    #expect(dag.contains("map_index_template=\"{{ sluice_label }}\""), "\(dag)")
    let runtime = try #require(workspace.read("dags/sluice_airflow.py"))
    #expect(runtime.contains("get_current_context()[\"sluice_label\"] = label"), "\(runtime)")
    let attempt = try CLI.run(["task-run", "dags/templated.plan.json", "--task", "download", "--workspace", workspace.path,
                               "--run-id", "manual__t1", "--run-date", "2026-01-02", "--map-index", "1", "--item", "\"MSFT\"",
                               "--params", #"{"region": "us", "tickers": []}"#], cwd: workspace.url)
    let line = try #require(try JSONSerialization.jsonObject(with: Data((attempt.stdout.split(separator: "\n").last ?? "").utf8)) as? [String: Any])
    #expect(line["label"] as? String == "us-MSFT", "\(attempt.stdout)")
    #expect(line["state"] as? String == "failed")
}
