import Foundation
import Testing

/// `--resume` after kill -9, after Ctrl-C, and from a torn journal; a second Ctrl-C.

/// Three big tables (a few MB of CSV each) and a task that reads them all.
private let bigTables = """
    pipeline: big_tables
    max_active_tasks: 2
    tasks:
      make_a:
        run: python3 gen.py 1 > "$SLUICE_TABLE_ROWS"
        outputs: { rows: "table(id: int64, region: string, value: float64)" }
      make_b:
        run: python3 gen.py 2 > "$SLUICE_TABLE_ROWS"
        outputs: { rows: "table(id: int64, region: string, value: float64)" }
      make_c:
        run: python3 gen.py 3 > "$SLUICE_TABLE_ROWS"
        outputs: { rows: "table(id: int64, region: string, value: float64)" }
      total:
        needs: [make_a, make_b, make_c]
        run: |
          a=$(sluice cat {{ make_a.rows }} --format csv | wc -l)
          b=$(sluice cat {{ make_b.rows }} --format csv | wc -l)
          c=$(sluice cat {{ make_c.rows }} --format csv | wc -l)
          echo "lines=$((a + b + c))" >> "$SLUICE_OUTPUTS"
        outputs: { lines: int }

    """

private let generator = """
    import random, sys
    seed = int(sys.argv[1])
    rng = random.Random(seed)
    out = sys.stdout
    out.write("id,region,value\\n")
    regions = ["north", "south", "east", "west"]
    out.writelines(f"{i},{regions[i % 4]},{rng.random() * 1000:.6f}\\n" for i in range(100000 * seed))

    """

@Test func killMinus9WhileTablesAreWrittenThenResumeMatchesAnUndisturbedRun() throws {
    let crashed = try RunWorkspace(), calm = try RunWorkspace()
    defer { crashed.cleanUp(); calm.cleanUp() }
    for workspace in [crashed, calm] {
        try workspace.write("big.yaml", bigTables)
        try workspace.write("gen.py", generator)
    }
    let undisturbed = try calm.run("big.yaml")
    #expect(undisturbed.status == 0, "\(undisturbed.stdout)\(undisturbed.stderr)")

    let process = try crashed.start("big.yaml")
    // Kill the moment an Arrow file is being written (its temporary file exists), or after 20 s at most.
    let outputs = crashed.url.appendingPathComponent(".sluice/runs/big_tables")
    let caught = crashed.wait(seconds: 20, poll: 0.002) {
        guard let walker = FileManager.default.enumerator(atPath: outputs.path) else { return false }
        while let name = walker.nextObject() as? String {
            if name.contains(".arrow.sluice-tmp-") { return true }
        }
        return false
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal)
    let runID = try #require(crashed.runIDs("big_tables").last)
    let unreadable = try crashed.unreadableArrowFiles()
    #expect(unreadable.bad.isEmpty, "partial Arrow files after kill -9: \(unreadable.bad)")
    #expect(caught, "the kill landed while an Arrow file was being written")

    let resumed = try crashed.run("big.yaml", ["--resume", runID])
    #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
    #expect(processesOfRun(runID).isEmpty, "no task of the killed run is left")
    let after = try crashed.show(runID)
    #expect(after.state == "success")
    #expect(crashed.runIDs("big_tables") == [runID], "the resumed run is the same run")
    let reference = try calm.show()
    #expect(after.outputs("total")["lines"] as? Int == reference.outputs("total")["lines"] as? Int)
    #expect(after.outputs("total")["lines"] as? Int == 600_000 + 3)
    for task in ["make_a", "make_b", "make_c"] {
        let mine = try #require(after.outputs(task)["rows"] as? String)
        let theirs = try #require(reference.outputs(task)["rows"] as? String)
        #expect(try crashed.tableDigests([mine]) == calm.tableDigests([theirs]), "\(task)")
    }
    let leftovers = (FileManager.default.enumerator(atPath: outputs.path)?.allObjects as? [String] ?? []).filter { $0.contains("sluice-tmp") }
    #expect(leftovers.isEmpty, "the resume swept the temporary files of the killed writes: \(leftovers)")
    let final = try crashed.unreadableArrowFiles()
    #expect(final.bad.isEmpty, "\(final.bad)")
    #expect(final.total >= 4, "the three tables (and tasks.arrow) are there")
    #expect(try crashed.cacheProblems().problems.isEmpty)
}

@Test func ctrlCWithALongTaskExits130AndResumeFinishesTheRun() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("long.yaml", """
        pipeline: long
        tasks:
          quick:
            run: echo quick >> ran.log; echo "n=7" >> "$SLUICE_OUTPUTS"
            outputs: { n: int }
          slow:
            needs: [quick]
            run: |
              echo slow$SLUICE_TRY >> ran.log
              if [ "$SLUICE_TRY" = 1 ]; then echo $$ > pgid; sleep 30 & sleep 30; fi
              echo "m={{ quick.n }}" >> "$SLUICE_OUTPUTS"
            outputs: { m: int }
          after:
            needs: [slow]
            run: echo after >> ran.log

        """)
    let process = try workspace.start("long.yaml")
    #expect(workspace.wait(seconds: 15) { workspace.readProcessID("pgid") != nil })
    let pgid = try #require(workspace.readProcessID("pgid"))
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    #expect(process.terminationStatus == 130)
    #expect(livingProcesses(inGroup: pgid).isEmpty, "no process of the long task is left")
    let runID = try #require(workspace.runIDs("long").last)
    let events = try workspace.journal(runID, pipeline: "long").filter { $0["event"] as? String == "task" }
    #expect(events.contains { $0["task"] as? String == "slow" && $0["state"] as? String == "interrupted" && $0["try"] as? Int == 1 })
    #expect(events.contains { $0["task"] as? String == "quick" && $0["state"] as? String == "success" })
    #expect(!events.contains { $0["task"] as? String == "after" }, "never started")
    #expect(try workspace.show(runID).state == "interrupted")

    let resumed = try workspace.run("long.yaml", ["--resume", "latest"])
    #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
    #expect(workspace.read("ran.log") == "quick\nslow1\nslow2\nafter\n", "quick is kept, slow and after run")
    let run = try workspace.show(runID)
    #expect(run.state == "success")
    #expect(run.states == ["quick": "success", "slow": "success", "after": "success"])
    #expect(run.attempts("slow").map { $0["state"] as? String } == ["interrupted", "success"])
    #expect(run.outputs("slow")["m"] as? Int == 7, "the kept output reached the resumed task")
}

@Test func aSecondCtrlCKillsAtOnce() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("stubborn.yaml", """
        pipeline: stubborn
        tasks:
          hold:
            run: trap '' TERM; echo $$ > pgid; sleep 30 & wait; sleep 30

        """)
    let process = try workspace.start("stubborn.yaml", environment: ["SLUICE_KILL_GRACE_MS": "60000"])
    #expect(workspace.wait(seconds: 15) { workspace.readProcessID("pgid") != nil })
    let pgid = try #require(workspace.readProcessID("pgid"))
    let started = Date()
    kill(process.processIdentifier, SIGINT)
    Thread.sleep(forTimeInterval: 0.3)
    #expect(process.isRunning, "the first Ctrl-C waits for the (long) grace period")
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(process.terminationStatus == 130)
    #expect(livingProcesses(inGroup: pgid).isEmpty)
    #expect(try workspace.show().state("hold") == "interrupted")
}

@Test func aJournalTornMidLineResumesFromItsLastWholeRecord() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("abc.yaml", """
        pipeline: abc
        tasks:
          a:
            run: echo a >> ran.log
          b:
            needs: [a]
            run: echo b >> ran.log
          c:
            needs: [b]
            cache: false
            run: echo c >> ran.log

        """)
    #expect(try workspace.run("abc.yaml").status == 0)
    let runID = try #require(workspace.runIDs("abc").last)
    let journalPath = workspace.path + "/.sluice/runs/abc/\(runID)/journal.jsonl"
    let text = try String(contentsOfFile: journalPath, encoding: .utf8)
    // Cut in the middle of c's success line, as a crash during the write would.
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let cut = try #require(lines.firstIndex { $0.contains(#""task":"c""#) && $0.contains(#""state":"success""#) })
    let kept = lines[..<cut].joined(separator: "\n") + "\n" + String(lines[cut].prefix(40))
    try Data(kept.utf8).write(to: URL(fileURLWithPath: journalPath))
    try FileManager.default.removeItem(at: workspace.url.appendingPathComponent("ran.log"))
    #expect(try workspace.show(runID).state == "interrupted", "no run_finished: the run died")

    let resumed = try workspace.run("abc.yaml", ["--resume", runID])
    #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
    #expect(resumed.stderr.contains("dropped the torn last line"), "\(resumed.stderr)")
    #expect(workspace.read("ran.log") == "c\n", "a and b keep their success; c runs again")
    let run = try workspace.show(runID)
    #expect(run.state == "success")
    #expect(run.attempts("c").map { $0["state"] as? String } == ["interrupted", "success"])
    let journal = try String(contentsOfFile: journalPath, encoding: .utf8)
    #expect(journal.split(separator: "\n").allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil },
            "every line of the continued journal is whole")
}

@Test func resumeRefusesAChangedSpecAndAnUnknownRun() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("one.yaml", "pipeline: one\ntasks:\n  t:\n    run: \"true\"\n")
    #expect(try workspace.run("one.yaml").status == 0)
    let runID = try #require(workspace.runIDs("one").last)
    try workspace.write("one.yaml", "pipeline: one\ntasks:\n  t:\n    run: \"false\"\n")
    let changed = try workspace.run("one.yaml", ["--resume", runID])
    #expect(changed.status == 2)
    #expect(changed.stderr.contains("changed since it started"), "\(changed.stderr)")
    let unknown = try workspace.run("one.yaml", ["--resume", "20200101T000000.000Z-000000"])
    #expect(unknown.status == 2)
    #expect(unknown.stderr.contains("no run with that id"), "\(unknown.stderr)")
    let withParam = try workspace.run("one.yaml", ["--resume", runID, "--param", "x=1"])
    #expect(withParam.status == 2)
}

/// The first command line with `--resume` added must work: `--param` that
/// changes nothing is accepted, one that changes a param is refused.
@Test func resumeAcceptsTheSameParamsAndRefusesDifferentOnes() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("p.yaml", """
        pipeline: p
        params: {n: 1}
        tasks:
          first:
            run: "true"
          second:
            needs: [first]
            run: test {{ params.n }} -eq 2 || test -e go
        """)
    let failed = try workspace.run("p.yaml", ["--param", "n=5"])
    #expect(failed.status == 1)
    let runID = try #require(workspace.runIDs("p").last)
    let different = try workspace.run("p.yaml", ["--param", "n=6", "--resume", runID])
    #expect(different.status == 2)
    #expect(different.stderr.contains("--param n=6 changes them"), "\(different.stderr)")
    try workspace.write("go", "")
    let same = try workspace.run("p.yaml", ["--param", "n=5", "--resume", runID])
    #expect(same.status == 0, "\(same.stderr)")
    #expect(workspace.runIDs("p").count == 1, "a resume continues the run instead of starting one")
}

/// A task starts once its `running` line is written, before the group commit
/// syncs it: a crash of the machine can lose the lines of the last commit
/// while the attempt's log survives. `--resume` runs the instance again under
/// the next try number, so the lost attempt's log is kept, not written over.
@Test func aStartLineLostToAMachineCrashResumesPastTheAttemptsLog() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("abc.yaml", """
        pipeline: abc
        tasks:
          a:
            run: echo a
          b:
            needs: [a]
            cache: false
            run: echo "b says $SLUICE_TRY"

        """)
    #expect(try workspace.run("abc.yaml").status == 0)
    let runID = try #require(workspace.runIDs("abc").last)
    let runPath = workspace.path + "/.sluice/runs/abc/\(runID)"
    let journalPath = runPath + "/journal.jsonl"
    let text = try String(contentsOfFile: journalPath, encoding: .utf8)
    // Everything from b's `running` line on is gone, as if the machine died before that group commit.
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let cut = try #require(lines.firstIndex { $0.contains(#""task":"b""#) && $0.contains(#""state":"running""#) })
    try Data((lines[..<cut].joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: journalPath))
    #expect(FileManager.default.contents(atPath: runPath + "/logs/b.try1.log").map { String(decoding: $0, as: UTF8.self) } == "b says 1\n")

    let resumed = try workspace.run("abc.yaml", ["--resume", runID])
    #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
    let run = try workspace.show(runID)
    #expect(run.state == "success")
    #expect(run.attempts("b").map { $0["try"] as? Int } == [2], "numbered past the log the lost attempt left")
    #expect(FileManager.default.contents(atPath: runPath + "/logs/b.try1.log").map { String(decoding: $0, as: UTF8.self) } == "b says 1\n",
            "the lost attempt's log is kept")
    #expect(FileManager.default.contents(atPath: runPath + "/logs/b.try2.log").map { String(decoding: $0, as: UTF8.self) } == "b says 2\n")
}
