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
