import Foundation
import Testing

/// Interrupts and failures say what to do next (issue 23, item 5): the first
/// Ctrl-C says at once what it stops, the second what it kills; an
/// interrupted run's summary and `sluice show` end with the command that
/// resumes it, a failed run's with the one that re-runs only what failed.

@Test func ctrlCSaysWhatItStopsAtOnceAndTheSummaryEndsWithTheResumeCommand() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("stop.yaml", """
        pipeline: stop
        tasks:
          first:
            run: echo first >> ran.log
          a:
            needs: [first]
            run: trap '' TERM; touch a.up; sleep 30 & wait; sleep 30
          b:
            needs: [first]
            run: trap '' TERM; touch b.up; sleep 30 & wait; sleep 30
          c:
            needs: [first]
            run: trap '' TERM; touch c.up; sleep 30 & wait; sleep 30
          after:
            needs: [a, b, c]
            run: echo after >> ran.log

        """)
    FileManager.default.createFile(atPath: workspace.path + "/out.txt", contents: nil)
    let output = try FileHandle(forWritingTo: workspace.url.appendingPathComponent("out.txt"))
    let process = try workspace.start("stop.yaml", ["--max-active", "4"], environment: ["SLUICE_KILL_GRACE_MS": "60000"], output: output)
    defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    #expect(workspace.wait(seconds: 20) { ["a.up", "b.up", "c.up"].allSatisfy(workspace.exists) })
    Thread.sleep(forTimeInterval: 0.2)
    kill(process.processIdentifier, SIGINT)
    // Said at once: the tasks ignore SIGTERM and the grace is a minute, so nothing has stopped yet.
    #expect(workspace.wait(seconds: 5) { (workspace.read("out.txt") ?? "").contains("stopping 3 tasks (SIGTERM); Ctrl-C again to kill\n  a, b, c\n") },
            "\(workspace.read("out.txt") ?? "")")
    #expect(process.isRunning)
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    #expect(process.terminationStatus == 130)
    let text = workspace.read("out.txt") ?? ""
    #expect(text.contains("killing 3 tasks (SIGKILL)\n"), "\(text)")
    let runID = try #require(workspace.runIDs("stop").last)
    let resume = "resume: sluice run stop.yaml --resume \(runID)\n"
    #expect(!text.contains("--max-active"), "the resume command needs no flag but --resume")
    #expect(text.hasSuffix(resume), "\(text)")
    let shown = try CLI.run(["show", "latest"], cwd: workspace.url)
    #expect(shown.stdout.hasSuffix(resume), "\(shown.stdout)")
    // From another directory the spec is named from there.
    try FileManager.default.createDirectory(at: workspace.url.appendingPathComponent("sub"), withIntermediateDirectories: true)
    let elsewhere = try CLI.run(["show", runID, "--workspace", workspace.path], cwd: workspace.url.appendingPathComponent("sub"))
    #expect(elsewhere.stdout.hasSuffix("resume: sluice run \(workspace.path)/stop.yaml --resume \(runID)\n"), "\(elsewhere.stdout)")
}

@Test func aFailedRunSaysHowToReRunOnlyWhatFailed() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("two words.yaml", """
        pipeline: twice
        tasks:
          good:
            run: echo good >> ran.log
          bad:
            run: echo bad >> ran.log; [ -e fixed ]
          after:
            needs: [good, bad]
            run: echo after >> ran.log

        """)
    let failed = try workspace.run("two words.yaml")
    #expect(failed.status == 1)
    let runID = try #require(try workspace.show().runID)
    let rerun = "re-run what failed: sluice run 'two words.yaml' --resume \(runID)\n"
    #expect(failed.stdout.hasSuffix(rerun), "\(failed.stdout)")
    let shown = try CLI.run(["show", runID], cwd: workspace.url)
    #expect(shown.stdout.hasSuffix(rerun), "\(shown.stdout)")
    // The command does what it says: only what failed runs again.
    try workspace.write("fixed", "")
    let again = try workspace.run("two words.yaml", ["--resume", runID])
    #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
    #expect(workspace.read("ran.log") == "good\nbad\nbad\nafter\n" || workspace.read("ran.log") == "bad\ngood\nbad\nafter\n",
            "\(workspace.read("ran.log") ?? "")")
    #expect(!again.stdout.contains("re-run what failed"), "\(again.stdout)")
}
