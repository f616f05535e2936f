import Foundation
import Testing

/// Issue 26, items 6 and 8: inputs and environments that used to crash sluice
/// (an overflowing duration, an unwritable stdout or stderr) and signals that
/// used to leave task processes behind (SIGHUP, SIGTERM, kill -9 of a parent run).
struct CrashSafetyTests {
    static let longTimeout = """
        pipeline: long_timeout
        tasks:
          a:
            run: echo a
            timeout: 106752d

        """

    @Test func aDurationBeyondTheMaximumIsALintErrorAtItsToken() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("p.yaml", Self.longTimeout)
        let lint = try CLI.run(["lint", "p.yaml", "--color", "never"], cwd: workspace.url)
        #expect(!lint.crashed)
        #expect(lint.status == 1, "\(lint.stdout)\(lint.stderr)")
        #expect(lint.stdout.contains("p.yaml:5:14: error[invalid-duration]"), "\(lint.stdout)")
        #expect(lint.stdout.contains("at most 365d"), "\(lint.stdout)")
        let run = try workspace.run("p.yaml")
        #expect(run.status == 1, "a spec with errors does not run: \(run.stderr)")
    }

    @Test func aPlanWithAnOutOfRangeDurationIsRefused() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("p.yaml", Self.longTimeout.replacingOccurrences(of: "106752d", with: "1h"))
        let plan = try CLI.run(["plan", "p.yaml", "-o", "plan.json"], cwd: workspace.url)
        #expect(plan.status == 0, "\(plan.stderr)")
        let text = try #require(workspace.read("plan.json"))
        for (key, value) in [("timeout_ms", "9223372036854775"), ("retry_delay_ms", "31536000001")] {
            var plan = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            var tasks = try #require(plan["tasks"] as? [[String: Any]])
            tasks[0][key] = Int64(value)
            plan["tasks"] = tasks
            let edited = String(decoding: try JSONSerialization.data(withJSONObject: plan), as: UTF8.self)
            try workspace.write("hand.json", edited)
            let run = try workspace.run("hand.json")
            #expect(!run.crashed)
            #expect(run.status == 2, "\(key)=\(value): \(run.stdout)\(run.stderr)")
            #expect(run.stderr.contains(key) && run.stderr.contains("365d"), "\(run.stderr)")
        }
    }

    /// `sluice ARGS > /dev/full` (and `2> /dev/full`) through a shell.
    static func toFullDisk(_ arguments: String, cwd: URL, redirect: String = ">") throws -> CLI.Outcome {
        try CLI.execute(URL(fileURLWithPath: "/bin/sh"), ["-c", "exec \"$0\" \(arguments) \(redirect) /dev/full", CLI.binary.path], cwd: cwd)
    }

    @Test func lintPlanAndShowToAFullDiskExitTwoWithAMessage() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("p.yaml", "pipeline: ok\ntasks:\n  a:\n    run: echo a\n")
        #expect(try workspace.run("p.yaml").status == 0)
        for command in ["lint p.yaml", "plan p.yaml", "show latest", "show latest --format json", "explain --all", "runs"] {
            let outcome = try Self.toFullDisk(command, cwd: workspace.url)
            #expect(!outcome.crashed, "sluice \(command) > /dev/full crashed: \(outcome.stderr)")
            #expect(outcome.status == 2, "sluice \(command) > /dev/full: exit \(outcome.status)")
            #expect(outcome.stderr.contains("error: cannot write to standard output: No space left on device"), "\(command): \(outcome.stderr)")
        }
        // The run's summary to a full disk, and a run's final error with stderr full: exit 2, no crash.
        let summary = try Self.toFullDisk("run p.yaml", cwd: workspace.url)
        #expect(!summary.crashed && summary.status == 2, "\(summary.status) \(summary.stderr)")
        #expect(summary.stderr.contains("cannot write to standard output"), "\(summary.stderr)")
        let error = try Self.toFullDisk("run missing.yaml", cwd: workspace.url, redirect: "2>")
        #expect(!error.crashed && error.status == 2, "exit \(error.status)")
        let lintErrorFull = try Self.toFullDisk("lint missing.yaml", cwd: workspace.url, redirect: "2>")
        #expect(!lintErrorFull.crashed && lintErrorFull.status == 2, "exit \(lintErrorFull.status)")
    }

    /// A reader that has gone (`sluice lint | head -0`): sluice stops quietly with exit 2, not by a signal.
    @Test func aClosedPipeEndsQuietlyWithoutASignal() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("p.yaml", "pipeline: ok\ntasks:\n  a:\n    run: echo a\n")
        for arguments in [["lint", "p.yaml"], ["explain", "--all"], ["plan", "p.yaml"]] {
            let process = Process()
            process.executableURL = CLI.binary
            process.arguments = arguments
            process.currentDirectoryURL = workspace.url
            let out = Pipe(), err = Pipe()
            try out.fileHandleForReading.close()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            try out.fileHandleForWriting.close()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationReason == .exit, "sluice \(arguments.joined(separator: " ")) died of signal \(process.terminationStatus)")
            #expect(process.terminationStatus == 2)
            #expect(stderr.isEmpty, "\(stderr)")
        }
    }

    /// SIGHUP (a closed terminal) and SIGTERM stop the run like Ctrl-C: the
    /// task's group is stopped, journaled interrupted, and sluice exits 128+signal.
    @Test(arguments: [(SIGHUP, Int32(129)), (SIGTERM, Int32(143))])
    func hangupAndTerminateStopTheTasksAndExitWithTheSignal(_ signalNumber: Int32, _ expected: Int32) throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("long.yaml", """
            pipeline: long
            tasks:
              slow:
                run: echo $$ > pgid; sleep 30 & sleep 30

            """)
        let process = try Self.startRun(["long.yaml"], in: workspace, hangup: "SIG_DFL")
        #expect(workspace.wait(seconds: 15) { workspace.readProcessID("pgid") != nil })
        let pgid = try #require(workspace.readProcessID("pgid"))
        let sent = Date()
        kill(process.processIdentifier, signalNumber)
        process.waitUntilExit()
        #expect(Date().timeIntervalSince(sent) < 5)
        #expect(process.terminationReason == .exit, "sluice died of the signal itself")
        #expect(process.terminationStatus == expected)
        #expect(livingProcesses(inGroup: pgid).isEmpty, "no process of the task is left")
        let runID = try #require(workspace.runIDs("long").last)
        let events = try workspace.journal(runID, pipeline: "long")
        #expect(events.contains { $0["task"] as? String == "slow" && $0["state"] as? String == "interrupted" })
        #expect(events.contains { $0["event"] as? String == "run_finished" && $0["state"] as? String == "interrupted" })
    }

    /// `nohup sluice run`: a SIGHUP ignored from the start stays ignored, and the run goes on.
    @Test func underNohupAHangupIsIgnored() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("short.yaml", """
            pipeline: short
            tasks:
              slow:
                run: echo started > started; sleep 1; echo done > done

            """)
        let process = try Self.startRun(["short.yaml"], in: workspace, hangup: "SIG_IGN")
        #expect(workspace.wait(seconds: 15) { workspace.read("started") != nil })
        kill(process.processIdentifier, SIGHUP)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        #expect(workspace.read("done") == "done\n")
    }

    /// `sluice run ARGS` in the workspace with SIGHUP's disposition set as a
    /// shell would (unblocked; `SIG_DFL`, or `SIG_IGN` under nohup): the test
    /// runner's own differ, and a child inherits an ignored or blocked signal.
    static func startRun(_ arguments: [String], in workspace: RunWorkspace, hangup: String) throws -> Process {
        let process = Process()
        process.executableURL = try CLI.python()
        process.arguments = ["-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGHUP]); "
                             + "signal.signal(signal.SIGHUP, signal.\(hangup)); os.execv(sys.argv[1], sys.argv[1:])",
                             CLI.binary.path, "run"] + arguments
        process.currentDirectoryURL = workspace.url
        process.environment = ProcessInfo.processInfo.environment.merging(["SLUICE_KILL_GRACE_MS": "300", "NO_COLOR": "1"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// A process that exists and is not a zombie.
    static func isLive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    /// kill -9 of a parent whose trigger task's child run is running: `--resume`
    /// of the parent stops the child run's task before the trigger runs again.
    @Test func resumeAfterKillMinus9StopsTheCrashedChildRunsTasks() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("parent.yaml", """
            pipeline: parent
            tasks:
              retrain:
                trigger: child

            """)
        try workspace.write("child.yaml", """
            pipeline: child
            workdir: child_ws
            tasks:
              work:
                run: |
                  echo "work $SLUICE_RUN_ID" >> ../ran.log
                  if [ ! -e ../first_done ]; then touch ../first_done; echo $$ > ../child_pgid; sleep 60 & wait; fi

            """)
        try FileManager.default.createDirectory(atPath: workspace.path + "/child_ws", withIntermediateDirectories: true)
        let process = try workspace.start("parent.yaml")
        #expect(workspace.wait(seconds: 15) { workspace.readProcessID("child_pgid") != nil })
        let pgid = try #require(workspace.readProcessID("child_pgid"))
        kill(process.processIdentifier, SIGKILL)
        // Not `waitUntilExit()`: Foundation's Process waits for the task processes too.
        #expect(workspace.wait(seconds: 10) { !Self.isLive(process.processIdentifier) }, "sluice is gone")
        #expect(!livingProcesses(inGroup: pgid).isEmpty, "the child's task outlives the killed parent")
        defer {
            kill(-pgid, SIGKILL)
            process.waitUntilExit()
        }

        let resumed = try workspace.run("parent.yaml", ["--resume", "latest"])
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(livingProcesses(inGroup: pgid).isEmpty, "resume stopped the crashed child run's task")
        #expect(resumed.stderr.contains("stopped 1 process group"), "\(resumed.stderr)")
        let ran = (workspace.read("ran.log") ?? "").split(separator: "\n")
        #expect(ran.count == 2, "the child's task ran once before the crash and once after: \(ran)")
        #expect(try workspace.show().state("retrain") == "success")
    }
}
