import Foundation
import Testing

/// Limits, retries and timeouts end to end, checked on the recorded times.

@Test func poolAndMaxActiveAreNeverExceeded() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    var spec = """
        pipeline: limits
        pools: { api: 2 }
        tasks:

        """
    for i in 0..<6 { spec += "  api\(i):\n    pool: api\n    run: sleep 0.2\n" }
    for i in 0..<4 { spec += "  cpu\(i):\n    run: sleep 0.2\n" }
    try workspace.write("limits.yaml", spec)
    let outcome = try workspace.run("limits.yaml", ["--max-active", "3"])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let run = try workspace.show()
    let api = run.intervals { ($0["task"] as? String)?.hasPrefix("api") == true }
    let all = run.intervals()
    #expect(api.count == 6 && all.count == 10)
    #expect(ShownRun.maxOverlap(api) == 2, "the pool allows two at once and the run used both")
    #expect(ShownRun.maxOverlap(all) == 3, "--max-active 3")
}

@Test func aRetryThatSucceedsWaitsExponentially() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("retry.yaml", """
        pipeline: retrying
        tasks:
          flaky:
            retries: 3
            retry_delay: 300ms
            retry_backoff: exponential
            run: echo "try $SLUICE_TRY"; test "$SLUICE_TRY" -ge 3

        """)
    let outcome = try workspace.run("retry.yaml")
    #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
    let run = try workspace.show()
    let attempts = run.attempts("flaky")
    #expect(attempts.map { $0["state"] as? String } == ["failed", "failed", "success"])
    #expect(attempts.map { $0["exit_code"] as? Int } == [1, 1, 0])
    let times = attempts.map { (($0["start"] as? String).flatMap(ShownRun.seconds) ?? 0, ($0["end"] as? String).flatMap(ShownRun.seconds) ?? 0) }
    let firstDelay = times[1].0 - times[0].1, secondDelay = times[2].0 - times[1].1
    #expect(firstDelay >= 0.299 && firstDelay < 0.6, "first retry after 300ms, was \(firstDelay)")
    #expect(secondDelay >= 0.599 && secondDelay < 0.9, "second retry after 600ms, was \(secondDelay)")
    let log = try #require(attempts.last?["log"] as? String)
    #expect(try String(contentsOfFile: log, encoding: .utf8) == "try 3\n")
}

@Test func aTimeoutKillsTheWholeProcessGroup() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("timeout.yaml", """
        pipeline: timing_out
        tasks:
          hang:
            timeout: 1s
            run: |
              echo $$ > pgid
              sh -c 'trap "" TERM; sleep 30; touch leaked' &
              sleep 30 &
              wait
          after:
            needs: [hang]
            trigger_rule: all_done
            run: "true"

        """)
    let started = Date()
    let outcome = try workspace.run("timeout.yaml")
    #expect(outcome.status == 0, "the all_done leaf succeeded, so the run did (Airflow's DAG-run rule)")
    #expect(Date().timeIntervalSince(started) < 10, "SIGKILL came after the short test grace")
    let run = try workspace.show()
    #expect(run.state("hang") == "failed")
    #expect(run.state("after") == "success")
    let pgid = try #require(workspace.readProcessID("pgid"))
    #expect(livingProcesses(inGroup: pgid).isEmpty, "no process of the task outlives it")
    #expect(outcome.stdout.contains("timed out after 1s"))
}

/// Pids of live (not zombie) processes whose process group is `pgid`.
func livingProcesses(inGroup pgid: Int32) -> [Int32] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return names.compactMap(Int32.init).filter { pid in
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 && fields[2] == Substring(String(pgid)) && fields[0] != "Z"
    }
}

@Test func ctrlCInterruptsTheRunningTasksAndExits130() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("slow.yaml", """
        pipeline: slow
        tasks:
          wait:
            run: echo $$ > pgid; sleep 30
          after:
            needs: [wait]
            run: touch after_ran

        """)
    let process = Process()
    process.executableURL = CLI.binary
    process.arguments = ["run", "slow.yaml"]
    process.currentDirectoryURL = workspace.url
    process.environment = ProcessInfo.processInfo.environment.merging(["SLUICE_KILL_GRACE_MS": "300"]) { $1 }
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(10)
    while workspace.readProcessID("pgid") == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    let pgid = try #require(workspace.readProcessID("pgid"))
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    #expect(process.terminationStatus == 130)
    #expect(livingProcesses(inGroup: pgid).isEmpty)
    let run = try workspace.show()
    #expect(run.state == "interrupted")
    #expect(run.state("wait") == "interrupted")
    #expect(run.state("after") == nil, "never started, left for --resume")
    #expect(!workspace.exists("after_ran"))
}
