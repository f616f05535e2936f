import Foundation
import Testing

/// Attempt logs without an inode per attempt (issue 22, item 2): an attempt
/// writes into a log file the executor holds open; one that wrote nothing
/// hands its file on to the next attempt, so a run of silent tasks creates
/// one file per task running at once, not one per attempt. `sluice logs` and
/// `show` still give each attempt exactly its own output, and a crash of
/// sluice loses nothing a task wrote (the task writes the file itself).

private func logFiles(_ workspace: RunWorkspace, _ pipeline: String, _ runID: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: workspace.path + "/.sluice/runs/\(pipeline)/\(runID)/logs")) ?? []).sorted()
}

private func logs(_ workspace: RunWorkspace, _ arguments: [String]) throws -> CLI.Outcome {
    let outcome = try CLI.run(["logs"] + arguments, cwd: workspace.url)
    #expect(!outcome.crashed, "\(outcome.stderr)")
    return outcome
}

/// With and without a secret (output through the masking pipe, which writes the same files).
@Test(arguments: [false, true])
func silentAttemptsLeaveNoLogFileAndEachAttemptShowsItsOwnOutput(masked: Bool) throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("lanes.yaml", """
        pipeline: lanes
        \(masked ? "secrets: [TOKEN]" : "")
        tasks:
          a:
            run: "true"
          b:
            needs: [a]
            run: "true"
          c:
            needs: [b]
            run: echo "c speaks $TOKEN"
          d:
            needs: [c]
            run: "true"
          e:
            needs: [d]
            run: echo "e speaks" >&2

        """)
    let ran = try workspace.run("lanes.yaml", environment: ["TOKEN": "hush-hush"])
    #expect(ran.status == 0, "\(ran.stdout)\(ran.stderr)")
    let runID = try #require(workspace.runIDs("lanes").first)
    #expect(logFiles(workspace, "lanes", runID) == ["c.try1.log", "e.try1.log"],
            "only the attempts that wrote output have a log file, each under its own name")

    for (task, expected) in [("a", ""), ("b", ""), ("c", masked ? "c speaks ***\n" : "c speaks hush-hush\n"), ("d", ""), ("e", "e speaks\n")] {
        let printed = try logs(workspace, [runID, task])
        #expect(printed.status == 0, "\(task): \(printed.stderr)")
        #expect(printed.stdout == expected, "\(task): \(printed.stdout)")
    }
    let shown = try workspace.show(runID)
    #expect(shown.attempts("a").first?["log"] is NSNull, "an attempt that wrote nothing has no log")
    #expect((shown.attempts("c").first?["log"] as? String)?.hasSuffix("/logs/c.try1.log") == true, "\(shown.attempts("c"))")
    #expect((shown.attempts("e").first?["log"] as? String)?.hasSuffix("/logs/e.try1.log") == true, "\(shown.attempts("e"))")
}

/// kill -9 of sluice while a task that took over a silent attempt's file is
/// still writing: what it wrote before and after the crash is in its log,
/// and the silent attempt's log is still empty.
@Test func aCrashOfSluiceLosesNothingTheRunningTaskWrote() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("crash.yaml", """
        pipeline: crash
        tasks:
          quiet:
            run: "true"
          talker:
            needs: [quiet]
            run: |
              echo "before the crash"
              echo $$ > pgid
              while [ ! -e go ]; do sleep 0.05; done
              echo "after the crash"
              touch done

        """)
    let process = try workspace.start("crash.yaml")
    #expect(workspace.wait(seconds: 20) { workspace.readProcessID("pgid") != nil })
    let pgid = try #require(workspace.readProcessID("pgid"))
    defer {
        kill(-pgid, SIGKILL)
        process.waitUntilExit()
    }
    kill(process.processIdentifier, SIGKILL)
    #expect(workspace.wait(seconds: 10) { !CrashSafetyTests.isLive(process.processIdentifier) }, "sluice is gone")
    try workspace.write("go", "")
    #expect(workspace.wait(seconds: 10) { workspace.exists("done") }, "the task outlives sluice and is not stopped by a closed pipe")
    let runID = try #require(workspace.runIDs("crash").first)

    let talker = try logs(workspace, [runID, "talker"])
    #expect(talker.status == 0, "\(talker.stderr)")
    #expect(talker.stdout == "before the crash\nafter the crash\n", "\(talker.stdout)")
    let quiet = try logs(workspace, [runID, "quiet"])
    #expect(quiet.status == 0, "\(quiet.stderr)")
    #expect(quiet.stdout == "", "the silent attempt's log stays empty although its file went on to the next attempt: \(quiet.stdout)")
}
