import Foundation
import Testing

/// `sluice logs RUN_ID|latest [TASK[LABEL]] [--try N] [--follow]` (issue 23,
/// item 1): an attempt's log as the run stored it (secrets already masked),
/// read through the run store, never through a symlink or outside `.sluice/`.

private let flaky = """
    pipeline: flaky
    secrets: [TOKEN]
    params:
      tickers: [AAPL, MSFT, GOOG]
    tasks:
      greet:
        run: echo "greet try $SLUICE_TRY token $TOKEN"
      wobbly:
        retries: 1
        retry_delay: 0s
        run: |
          echo "wobbly try $SLUICE_TRY"
          [ "$SLUICE_TRY" = 2 ]
      download:
        foreach: params.tickers
        run: |
          for i in $(seq 1 30); do echo "{{ item }} line $i"; done
          [ {{ item }} != GOOG ] || { echo "no quote for GOOG" >&2; exit 3; }

    """

@Test func logsPrintsTheLastAttemptOrTheOneAskedForMaskedAsStored() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("flaky.yaml", flaky)
    let secret = "Zq7Wm3Kp9Xt2"
    let run = try workspace.run("flaky.yaml", environment: ["TOKEN": secret])
    #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
    let runID = try #require(try workspace.show().runID)

    let greet = try CLI.run(["logs", "latest", "greet"], cwd: workspace.url)
    #expect(greet.status == 0, "\(greet.stderr)")
    #expect(greet.stdout.contains("greet try 1 token"), "\(greet.stdout)")
    #expect(!greet.stdout.contains(secret), "the log is printed masked, as stored")

    // The last attempt by default, the one asked for with --try.
    let last = try CLI.run(["logs", runID, "wobbly"], cwd: workspace.url)
    #expect(last.status == 0, "\(last.stderr)")
    #expect(last.stdout == "wobbly try 2\n", "\(last.stdout)")
    let first = try CLI.run(["logs", runID, "wobbly", "--try", "1"], cwd: workspace.url)
    #expect(first.stdout == "wobbly try 1\n", "\(first.stdout)")
    let missing = try CLI.run(["logs", runID, "wobbly", "--try", "3"], cwd: workspace.url)
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("wobbly has tries 1 to 2"), "\(missing.stderr)")

    // A map instance by the label the run recorded.
    let goog = try CLI.run(["logs", "latest", "download[GOOG]"], cwd: workspace.url)
    #expect(goog.status == 0, "\(goog.stderr)")
    #expect(goog.stdout.contains("GOOG line 30\nno quote for GOOG\n"), "\(goog.stdout)")
    #expect(!goog.stdout.contains("AAPL"), "\(goog.stdout)")
    let unknownLabel = try CLI.run(["logs", "latest", "download[TSLA]"], cwd: workspace.url)
    #expect(unknownLabel.status == 2)
    #expect(unknownLabel.stderr.contains("download has no instance labelled TSLA (AAPL, MSFT, GOOG)"), "\(unknownLabel.stderr)")
    let bare = try CLI.run(["logs", "latest", "download"], cwd: workspace.url)
    #expect(bare.status == 2)
    #expect(bare.stderr.contains("download is mapped: name an instance, e.g. download[AAPL]"), "\(bare.stderr)")
    let unknownTask = try CLI.run(["logs", "latest", "nosuch"], cwd: workspace.url)
    #expect(unknownTask.status == 2)
    #expect(unknownTask.stderr.contains("run \(runID) has no task nosuch"), "\(unknownTask.stderr)")
}

@Test func logsWithoutATaskPrintsTheTailOfEveryFailedAttempt() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("flaky.yaml", flaky)
    _ = try workspace.run("flaky.yaml", environment: ["TOKEN": "Zq7Wm3Kp9Xt2"])
    let all = try CLI.run(["logs", "latest"], cwd: workspace.url)
    #expect(all.status == 0, "\(all.stderr)")
    // wobbly try 1 and download[GOOG] try 1 failed; greet, wobbly try 2 and the other downloads did not.
    #expect(all.stdout.contains("== wobbly try 1 (failed: exit code 1): all 1 line ==\nwobbly try 1\n"), "\(all.stdout)")
    #expect(all.stdout.contains("== download[GOOG] try 1 (failed: exit code 3): last 20 of 31 lines =="), "\(all.stdout)")
    #expect(all.stdout.contains("GOOG line 12\n"), "\(all.stdout)")
    #expect(!all.stdout.contains("GOOG line 11\n"), "only the last 20 lines: \(all.stdout)")
    #expect(!all.stdout.contains("greet"), "\(all.stdout)")
    #expect(!all.stdout.contains("AAPL"), "\(all.stdout)")
    #expect(!all.stdout.contains("wobbly try 2"), "\(all.stdout)")
    let lines = try CLI.run(["logs", "latest", "--lines", "3"], cwd: workspace.url)
    #expect(lines.stdout.contains("== download[GOOG] try 1 (failed: exit code 3): last 3 of 31 lines ==\nGOOG line 29\nGOOG line 30\nno quote for GOOG\n"), "\(lines.stdout)")
}

@Test func logsFollowsARunningAttemptUntilItEnds() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("slow.yaml", """
        pipeline: slow
        tasks:
          tick:
            run: |
              echo first
              while [ ! -e go ]; do sleep 0.05; done
              echo second

        """)
    let process = try workspace.start("slow.yaml")
    defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    #expect(workspace.wait(seconds: 15) { workspace.runIDs("slow").count == 1 })
    let runID = try #require(workspace.runIDs("slow").first)
    #expect(workspace.wait(seconds: 15) { (workspace.read(".sluice/runs/slow/\(runID)/logs/tick.try1.log") ?? "").contains("first") })
    DispatchQueue.global().asyncAfter(deadline: .now() + 1.0) { try? workspace.write("go", "") }
    let followed = try CLI.run(["logs", runID, "tick", "--follow"], cwd: workspace.url, timeout: 30)
    #expect(!followed.timedOut, "--follow ends when the attempt ends")
    #expect(followed.status == 0, "\(followed.stderr)")
    #expect(followed.stdout == "first\nsecond\n", "\(followed.stdout)")
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
}

@Test func logsNeverLeavesTheRunStore() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("flaky.yaml", flaky)
    _ = try workspace.run("flaky.yaml", environment: ["TOKEN": "x"])
    let runID = try #require(try workspace.show().runID)
    try workspace.write("outside.txt", "OUTSIDE THE STORE\n")

    // A run id or a task name from the command line is a name, never a path.
    for arguments in [["logs", "../../etc", "passwd"], ["logs", "../../../../../etc/passwd"], ["logs", runID, "../../../../outside.txt"],
                      ["logs", runID, "greet/../../x"], ["logs", "latest", "download[../../x]"]] {
        let outcome = try CLI.run(arguments, cwd: workspace.url)
        #expect(outcome.status == 2, "\(arguments): \(outcome.stdout)")
        #expect(!outcome.stdout.contains("root:"), "\(arguments)")
        #expect(!outcome.crashed)
    }

    // A log file a task replaced with a symlink is refused, not followed.
    let log = workspace.url.appendingPathComponent(".sluice/runs/flaky/\(runID)/logs/greet.try1.log")
    try FileManager.default.removeItem(at: log)
    try FileManager.default.createSymbolicLink(atPath: log.path, withDestinationPath: workspace.path + "/outside.txt")
    let linked = try CLI.run(["logs", runID, "greet"], cwd: workspace.url)
    #expect(linked.status == 2)
    #expect(!linked.stdout.contains("OUTSIDE"), "\(linked.stdout)")
    #expect(linked.stderr.contains("greet.try1.log"), "\(linked.stderr)")

    // The same for a symlinked logs/ directory.
    let logs = workspace.url.appendingPathComponent(".sluice/runs/flaky/\(runID)/logs")
    try FileManager.default.moveItem(at: logs, to: workspace.url.appendingPathComponent("moved-logs"))
    try FileManager.default.createSymbolicLink(atPath: logs.path, withDestinationPath: workspace.path + "/moved-logs")
    let linkedDirectory = try CLI.run(["logs", runID, "wobbly"], cwd: workspace.url)
    #expect(linkedDirectory.status == 2)
    #expect(!linkedDirectory.stdout.contains("wobbly try"), "\(linkedDirectory.stdout)")
}
