import Foundation
import Testing

/// Per-item cache keys end to end (issue 19): a map instance's key covers its
/// own item, and an instance mapped over a mapped upstream keys on the
/// matching upstream instance. Every task appends to ran.log, so these count
/// executions, not states.

private func mappedSpec(_ tickers: [String]) -> String {
    """
    pipeline: mapped
    params:
      tickers: [\(tickers.joined(separator: ", "))]
    tasks:
      download:
        foreach: params.tickers
        run: echo "download {{ item }}" >> ran.log; echo "path=data-{{ item }}" >> "$SLUICE_OUTPUTS"
        outputs: { path: string }
      clean:
        needs: [download]
        foreach: download.path
        run: echo "clean {{ item }}" >> ran.log
      report:
        needs: [download]
        run: echo report >> ran.log; echo {{ download.path }} > /dev/null

    """
}

private let fiveTickers = ["AAPL", "MSFT", "GOOG", "AMZN", "META"]

/// A workspace whose first run (of five tickers) is done and whose ran.log is cleared.
private func mappedWorkspace() throws -> RunWorkspace {
    let workspace = try RunWorkspace()
    try workspace.write("mapped.yaml", mappedSpec(fiveTickers))
    let first = try workspace.run("mapped.yaml")
    #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
    #expect(executions(workspace).count == 11, "five downloads, five cleans and the report ran first")
    return workspace
}

/// The executions logged since the last call, sorted (and the log cleared).
private func executions(_ workspace: RunWorkspace) -> [String] {
    let lines = (workspace.read("ran.log") ?? "").split(separator: "\n").map(String.init).sorted()
    try? FileManager.default.removeItem(at: workspace.url.appendingPathComponent("ran.log"))
    return lines
}

@Test func addingOneItemRunsExactlyThatItemsInstances() throws {
    let workspace = try mappedWorkspace()
    defer { workspace.cleanUp() }
    // In the middle: the items after it move to other map indexes and still hit.
    try workspace.write("mapped.yaml", mappedSpec(["AAPL", "MSFT", "NFLX", "GOOG", "AMZN", "META"]))
    let added = try workspace.run("mapped.yaml", ["--explain"])
    #expect(added.status == 0, "\(added.stdout)\(added.stderr)")
    #expect(executions(workspace) == ["clean data-NFLX", "download NFLX", "report"])
    #expect(added.stdout.contains("download[2]: ran: item \"NFLX\" is new"), "\(added.stdout)")
    #expect(added.stdout.contains("clean[2]: ran: item \"data-NFLX\" is new"), "\(added.stdout)")
    #expect(added.stdout.contains("download[3]: cached: key "), "\(added.stdout)")
    #expect(added.stdout.contains("clean[5]: cached: key "), "\(added.stdout)")
    let run = try workspace.show()
    #expect(run.ran == ["download[2]", "clean[2]", "report"])
    #expect(run.cached.count == 10)
}

@Test func reorderingOrRemovingItemsRunsNoMappedInstance() throws {
    let workspace = try mappedWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("mapped.yaml", mappedSpec(fiveTickers.reversed()))
    let reordered = try workspace.run("mapped.yaml")
    #expect(reordered.status == 0, "\(reordered.stdout)\(reordered.stderr)")
    // The aggregating task's input (the list of paths) changed order: it runs, as it should.
    #expect(executions(workspace) == ["report"])

    try workspace.write("mapped.yaml", mappedSpec(["META", "AMZN", "MSFT", "AAPL"]))
    let removed = try workspace.run("mapped.yaml")
    #expect(removed.status == 0, "\(removed.stdout)\(removed.stderr)")
    #expect(executions(workspace) == ["report"])
}

@Test func renamingOneItemRunsThatItemsChainOnly() throws {
    let workspace = try mappedWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("mapped.yaml", mappedSpec(["AAPL", "MSFT", "ORCL", "AMZN", "META"]))
    let renamed = try workspace.run("mapped.yaml", ["--explain"])
    #expect(renamed.status == 0, "\(renamed.stdout)\(renamed.stderr)")
    #expect(executions(workspace) == ["clean data-ORCL", "download ORCL", "report"])
    #expect(renamed.stdout.contains("download[2]: ran: item \"ORCL\" is new"), "\(renamed.stdout)")
    #expect(renamed.stdout.contains("report: ran: upstream value download.path changed"), "\(renamed.stdout)")
}

@Test func anInstanceMappedOverAMappedUpstreamKeysOnTheMatchingInstance() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    // GOOG's download fails in the first run, so `clean` maps over four paths
    // and its indexes do not line up with download's; each still keys on the
    // download instance whose value it got.
    let spec = mappedSpec(fiveTickers)
        .replacingOccurrences(of: "echo \"path=", with: "[ -e fail-{{ item }} ] && exit 1; echo \"path=")
        .replacingOccurrences(of: "foreach: download.path\n", with: "foreach: download.path\n    trigger_rule: all_done\n")
    try workspace.write("mapped.yaml", spec)
    try workspace.write("fail-GOOG", "")
    let failed = try workspace.run("mapped.yaml")
    #expect(failed.status != 0)
    #expect(executions(workspace) == ["clean data-AAPL", "clean data-AMZN", "clean data-META", "clean data-MSFT",
                                      "download AAPL", "download AMZN", "download GOOG", "download META", "download MSFT"])
    try FileManager.default.removeItem(at: workspace.url.appendingPathComponent("fail-GOOG"))
    let fixed = try workspace.run("mapped.yaml", ["--explain"])
    #expect(fixed.status == 0, "\(fixed.stdout)\(fixed.stderr)")
    #expect(executions(workspace) == ["clean data-GOOG", "download GOOG", "report"])
    #expect(fixed.stdout.contains("clean[3]: cached: key "), "AMZN's clean moved from index 2 to 3: \(fixed.stdout)")
}
