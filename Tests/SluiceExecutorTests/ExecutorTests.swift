import Foundation
import Synchronization
import Testing
import SluicePlan
@testable import SluiceExecutor

/// The executor's loop against the fake runner: real records on disk, fake processes and time.

@Test func outputsFlowDownstreamQuotedAndTyped() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let producer = task("produce", outputs: [PlanOutput(name: "names", type: .list(.string)), PlanOutput(name: "n", type: .int)])
    let consumer = task("consume", needs: ["produce"], template: Template([
        .text("echo "), .reference(.output(OutputReference(task: "produce", output: "names", type: .list(.string), mapped: false))),
        .text(" "), .reference(.output(OutputReference(task: "produce", output: "n", type: .int, mapped: false))),
        .text(" "), .reference(.param(["greeting"])), .text(" "), .reference(.runDate),
    ]))
    let (result, runner) = try runWithFake(plan([producer, consumer], params: .object([("greeting", .string("it's"))])), in: dir) { request, _ in
        request.command == "true" ? FakeBehaviour(outputs: "names=[\"a b\",\"$(x)\"]\nn=7\n") : FakeBehaviour()
    }
    #expect(result.state == .success)
    #expect(runner.commands.last == #"echo 'a b' '$(x)' 7 'it'\''s' '2026-11-18'"#)
    let journal = try String(contentsOfFile: result.directory.journal, encoding: .utf8)
    #expect(journal.contains(#""outputs":{"names":["a b","$(x)"],"n":7}"#))
    let stored = try String(contentsOfFile: result.directory.path + "/outputs/produce/outputs.json", encoding: .utf8)
    #expect(stored.contains("\"n\": 7"))
}

/// The first run in a workspace leaves `.sluice/.gitignore` (written off the
/// path to the first task, by the plan record's thread) by the time it
/// returns, whether it started a process or not; one that is there is kept.
@Test func aRunLeavesTheRecordsIgnoredByGit() throws {
    let expected = "# Created by sluice: run records, logs and outputs stay out of version control.\n*\n"
    for starts in [true, false] {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let (result, runner) = try runWithFake(plan([task("a", run: starts ? "true" : nil)]), in: dir)
        #expect(result.state == .success)
        #expect(runner.started.count == (starts ? 1 : 0))
        #expect(try String(contentsOfFile: dir.path + "/.sluice/.gitignore", encoding: .utf8) == expected)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/.sluice")
        #expect(!names.contains { $0.contains("sluice-tmp") }, "no temporary file left: \(names)")
    }
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    try FileManager.default.createDirectory(atPath: dir.path + "/.sluice", withIntermediateDirectories: true)
    try Data("runs/\n".utf8).write(to: URL(fileURLWithPath: dir.path + "/.sluice/.gitignore"))
    _ = try runWithFake(plan([task("a")]), in: dir)
    #expect(try String(contentsOfFile: dir.path + "/.sluice/.gitignore", encoding: .utf8) == "runs/\n")
}

/// A first run makes only the record directories it uses: no `outputs/` when
/// no task publishes an output, and no cache `entries/` or `tmp/` when every
/// entry goes into the run's pack (each directory is an inode, slow to
/// allocate on this file system; docs/speed.md "fixed"). A run with an output
/// makes `outputs/`; an artifact's entry makes the cache's parts (CacheTests).
@Test func aRunMakesOnlyTheRecordDirectoriesItUses() throws {
    for withOutput in [false, true] {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let outputs = withOutput ? [PlanOutput(name: "n", type: .int)] : []
        let (result, runner) = try runWithFake(plan([task("a", outputs: outputs)]), in: dir) { _, _ in
            FakeBehaviour(outputs: withOutput ? "n=1\n" : "")
        }
        #expect(result.state == .success)
        #expect(runner.started.count == 1)
        let run = try FileManager.default.contentsOfDirectory(atPath: result.directory.path)
        #expect(run.contains("outputs") == withOutput, "\(run)")
        #expect(run.contains("logs") && run.contains("journal.jsonl") && run.contains("plan.json"), "\(run)")
        let cache = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/.sluice/cache").sorted()
        #expect(cache == ["lock", "packs"], "the entry went into the pack: \(cache)")
    }
}

/// The run's end hands its settled record to `RunServices.whileRecordsSync`
/// (on a second thread, while `tasks.arrow` and the journal sync): every
/// instance final, `run_finished` not yet applied. By the time the run
/// returns, the empty `staging/` is gone and the run's pack is written.
@Test func theSettledRecordIsGivenBesideTheLastSyncs() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    var p = plan([task("a"), task("b", needs: ["a"])])
    p.workspace = dir.path
    let clock = FakeClock()
    let runner = FakeRunner(clock: clock, behaviour: { _, _ in FakeBehaviour() })
    let given = Mutex<[RunRecord]>([])
    let services = RunServices(makeRunner: { runner }, clock: clock, whileRecordsSync: { record in given.withLock { $0.append(record) } })
    let result = try Executor(plan: p, options: RunOptions(environment: ["PATH": "/usr/bin:/bin"]), services: services).run()
    #expect(result.state == .success)
    let records = given.withLock { $0 }
    #expect(records.count == 1)
    let settled = try #require(records.first)
    #expect(settled.runID == result.runID)
    #expect(settled.end == nil && settled.finishedState == nil && result.record.end != nil)
    #expect(settled.instances.map(\.key) == result.record.instances.map(\.key))
    #expect(settled.instances.allSatisfy { $0.state == .success })
    let run = try FileManager.default.contentsOfDirectory(atPath: result.directory.path)
    #expect(!run.contains("staging"), "\(run)")
    let packs = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/.sluice/cache/packs")
    #expect(packs == ["\(result.runID)-\(getpid()).jsonl"])
}

@Test func poolAndGlobalLimitsHoldOnTheRecordedTimes() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    var tasks = (0..<6).map { task("api\($0)", run: "api \($0)", pool: "api") }
    tasks += (0..<6).map { task("cpu\($0)", run: "cpu \($0)") }
    let (result, runner) = try runWithFake(plan(tasks, pools: [Plan.Pool(name: "api", slots: 2)], maxActive: 3), in: dir) { request, _ in
        FakeBehaviour(duration: request.command.hasPrefix("api") ? 5_000_000 : 3_000_000)
    }
    #expect(result.state == .success)
    #expect(runner.maxConcurrent == 3)
    let intervals = runner.started.map { ($0.request.command.hasPrefix("api"), $0.start, $0.end ?? 0) }
    for (_, start, _) in intervals {
        let overlapping = intervals.filter { $0.1 <= start && start < $0.2 }
        #expect(overlapping.count <= 3)
        #expect(overlapping.filter(\.0).count <= 2)
    }
}

@Test func retriesWaitExponentiallyThenSucceed() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let flaky = task("flaky", retries: 3, retryDelay: 1000, backoff: .exponential)
    let (result, runner) = try runWithFake(plan([flaky]), in: dir) { _, attempt in
        FakeBehaviour(duration: 1_000_000, status: attempt < 3 ? .exited(1) : .exited(0))
    }
    #expect(result.state == .success)
    let starts = runner.started.map(\.start)
    #expect(starts.count == 3)
    // Each retry starts `delay` after the previous attempt ended (1 ms long): 1 s, then 2 s.
    #expect(starts[1] - starts[0] == 1_001_000_000)
    #expect(starts[2] - starts[1] == 2_001_000_000)
    let attempts = result.record.instance(InstanceKey(task: "flaky"))?.attempts.map(\.state)
    #expect(attempts == [.failed, .failed, .success])
    #expect(runner.started.map { $0.environment["SLUICE_TRY"] } == ["1", "2", "3"])
}

@Test func timeoutTermsThenKills() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    var options = RunOptions(environment: [:])
    options.killGraceNanoseconds = 50_000_000
    let (result, runner) = try runWithFake(plan([task("stuck", timeout: 100)]), in: dir, options: options) { _, _ in
        FakeBehaviour(duration: 60_000_000_000, ignoresTerm: true)
    }
    #expect(result.state == .failed)
    #expect(runner.signals.map(\.1) == [SIGTERM, SIGKILL])
    let message = result.record.instance(InstanceKey(task: "stuck"))?.message ?? ""
    #expect(message.contains("timed out after 100ms"), "\(message)")
}

@Test func foreachOverAMappedTasksOutputsKeepsMapOrder() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let first = task("first", run: "first", foreach: .param(["xs"]), outputs: [PlanOutput(name: "y", type: .int)],
                     template: Template([.text("first "), .reference(.item)]))
    let second = task("second", needs: ["first"], foreach: .output(OutputReference(task: "first", output: "y", type: .list(.int), mapped: true)),
                      template: Template([.text("second "), .reference(.item), .text(" "), .reference(.index)]))
    let (result, runner) = try runWithFake(plan([first, second], params: .object([("xs", .array([.int(3), .int(1), .int(2)]))])), in: dir) { request, _ in
        // Later items finish first, so completion order differs from map order.
        guard let value = Int(request.command.split(separator: " ").last ?? "") , request.command.hasPrefix("first") else { return FakeBehaviour() }
        return FakeBehaviour(duration: Int64(10 - value) * 1_000_000, outputs: "y=\(value * 10)\n")
    }
    #expect(result.state == .success)
    let seconds = runner.commands.filter { $0.hasPrefix("second") }.sorted()
    #expect(seconds == ["second 10 1", "second 20 2", "second 30 0"])
    #expect(result.record.mappedCounts["second"] == 3)
}

@Test func emptyForeachSkipsAndBranchesPropagate() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let tasks = [
        task("fan", foreach: .param(["none"])), task("after_fan", needs: ["fan"]),
        task("decide", branch: ["yes", "no"]), task("yes", needs: ["decide"], run: nil), task("no", needs: ["decide"]),
        task("join", needs: ["yes", "no"], rule: .noneFailedMinOneSuccess),
    ]
    let (result, runner) = try runWithFake(plan(tasks, params: .object([("none", .array([]))])), in: dir) { request, _ in
        FakeBehaviour(outputs: request.environment.contains("SLUICE_TASK=decide") ? "branch=yes\n" : nil)
    }
    #expect(result.state == .success)
    #expect(result.state(of: "fan") == .skipped)
    #expect(result.state(of: "after_fan") == .skipped)
    #expect(result.state(of: "yes") == .success)
    #expect(result.state(of: "no") == .skipped)
    #expect(result.state(of: "join") == .success)
    #expect(runner.started.count == 2, "decide and join ran; the empty task needs no process")
}

@Test func aBranchChoosingAnUnknownTaskFails() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let tasks = [task("decide", branch: ["a"]), task("a", needs: ["decide"])]
    let (result, _) = try runWithFake(plan(tasks), in: dir) { _, _ in FakeBehaviour(outputs: "branch=b\n") }
    #expect(result.state == .failed)
    #expect(result.state(of: "a") == .upstreamFailed)
    #expect(result.record.instance(InstanceKey(task: "decide"))?.message?.contains("not one of \"a\"") == true)
}

@Test func failFastStartsNothingNew() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    var options = RunOptions(environment: [:], maxActive: 1, failFast: true)
    options.maxActive = 1
    let tasks = [task("bad", run: "bad"), task("x", run: "x"), task("y", run: "y")]
    let (result, runner) = try runWithFake(plan(tasks), in: dir, options: options) { request, _ in
        FakeBehaviour(status: request.command == "bad" ? .exited(2) : .exited(0))
    }
    #expect(result.state == .failed)
    #expect(runner.started.count == 1)
    #expect(result.state(of: "x") == .skipped)
}

@Test func missingOutputsAndTablesFailTheAttemptByName() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let t = task("t", outputs: [PlanOutput(name: "count", type: .int),
                                PlanOutput(name: "rows", type: .table([TableColumn(name: "a", type: .int64)]))])
    let (result, _) = try runWithFake(plan([t]), in: dir) { _, _ in FakeBehaviour(outputs: "count=1\n") }
    #expect(result.state == .failed)
    let message = result.record.instance(InstanceKey(task: "t"))?.message ?? ""
    #expect(message.contains("table output \"rows\": the task did not write $SLUICE_TABLE_ROWS"), "\(message)")
}

@Test func journalReplaysToTheSameRecord() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let (result, _) = try runWithFake(plan([task("a"), task("b", needs: ["a"], retries: 1)]), in: dir) { request, attempt in
        FakeBehaviour(status: attempt == 1 && request.environment.contains("SLUICE_TASK=b") ? .exited(3) : .exited(0))
    }
    let replayed = try RunRecord.replay(String(contentsOfFile: result.directory.journal, encoding: .utf8))
    #expect(replayed.instances.map(\.key) == result.record.instances.map(\.key))
    #expect(replayed.instance(InstanceKey(task: "b"))?.attempts.map(\.exitCode) == [3, 0])
    #expect(replayed.finishedState == .success)
    #expect(FileManager.default.fileExists(atPath: result.directory.tasksTable))
}

@Test func cancellingInterruptsRunningTasksAndLeavesTheRestUndecided() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    var p = plan([task("long", run: "long"), task("quick", run: "quick"), task("after", needs: ["long"])])
    p.workspace = dir.path
    let clock = FakeClock()
    final class Box: @unchecked Sendable { var executor: Executor? }
    let box = Box()
    let runner = FakeRunner(clock: clock) { request, _ in
        if request.command == "quick" { box.executor?.cancel() }
        return FakeBehaviour(duration: request.command == "long" ? 60_000_000_000 : 1_000_000)
    }
    let executor = try Executor(plan: p, options: RunOptions(environment: [:]), services: RunServices(makeRunner: { runner }, clock: clock))
    box.executor = executor
    let result = try executor.run()
    #expect(result.state == .interrupted)
    #expect(result.state(of: "long") == .interrupted)
    #expect(result.state(of: "after") == nil, "never journaled: --resume decides")
    #expect(runner.signals.map(\.1).contains(SIGTERM))
    #expect(clock.monotonicNanoseconds() < 10_000_000_000, "the long task did not run to its end")
}

/// The `running` lines of the instances launched together (two slots came
/// free at once) go into the journal with one `write`, not one each; end
/// lines are written as they come. The journal still replays to every
/// instance's end.
@Test func theRunningLinesOfInstancesStartedTogetherShareOneWrite() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let tasks = (0..<40).map { task("t\($0)") }
    let (executor, runner) = try executorWithFake(plan(tasks, maxActive: 2), in: dir)
    let result = try executor.run()
    #expect(result.state == .success)
    #expect(runner.maxConcurrent == 2)
    // Once syncing, a write per line would be 38 `running` lines (the first two
    // share the write that starts syncing) and 40 end lines: about 80 with the
    // run's start and finish. Sharing, the 19 later pairs of `running` lines
    // take 19 writes: about 61. The writer thread's group commit may write a
    // pair's first line before the second is queued, a few times a run.
    #expect(executor.journal.writeCount <= 70, "\(executor.journal.writeCount) writes")
    let replayed = try RunRecord.replay(String(contentsOfFile: result.directory.journal, encoding: .utf8))
    #expect(replayed.instances.count == 40 && replayed.instances.allSatisfy { $0.state == .success })
}

/// The record directories are checked once for the starts prepared together
/// (`replacedRecordDirectory`): a `logs/` replaced before them refuses every
/// one of them, not only the first.
@Test func aReplacedRecordDirectoryRefusesEveryStartPreparedTogether() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let tasks = [task("first", run: "first")] + (0..<2).map { task("later\($0)", needs: ["first"]) }
    let (result, runner) = try runWithFake(plan(tasks, maxActive: 2), in: dir) { request, _ in
        if request.command == "first", let logs = request.environment.first(where: { $0.hasPrefix("SLUICE_OUTPUTS=") }) {
            // The run directory is where `$SLUICE_OUTPUTS` points into (`staging/`'s parent).
            let run = ((String(logs.dropFirst("SLUICE_OUTPUTS=".count)) as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
            try? FileManager.default.moveItem(atPath: run + "/logs", toPath: run + "/logs-moved")
            try? FileManager.default.createDirectory(atPath: run + "/logs", withIntermediateDirectories: false)
        }
        return FakeBehaviour()
    }
    #expect(runner.commands == ["first"], "neither later task started")
    for name in ["later0", "later1"] {
        let instance = try #require(result.record.instance(InstanceKey(task: name)))
        #expect(instance.state == .failed)
        #expect(instance.message?.contains("is no longer the directory sluice made") == true, "\(instance.message ?? "")")
    }
}

/// An observer that shows no instance changes (progress on /dev/null) is not
/// handed any: the executor skips building them. One that does gets every
/// journaled state, and both get the run's start and end.
@Test func anObserverThatWantsNoInstanceChangesIsHandedNone() throws {
    final class Counting: RunObserver, @unchecked Sendable {
        let wantsInstanceChanges: Bool
        var changes = 0, starts = 0, finishes = 0
        init(wants: Bool) { wantsInstanceChanges = wants }
        func runStarted(_ run: RunStartInfo) { starts += 1 }
        func instanceChanged(_ change: InstanceChange) { changes += 1 }
        func taskMapped(runID: String, task: String, count: Int) {}
        func runFinished(_ result: RunResult) { finishes += 1 }
    }
    for wants in [false, true] {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        var p = plan([task("a"), task("b", needs: ["a"])])
        p.workspace = dir.path
        let clock = FakeClock()
        let runner = FakeRunner(clock: clock) { _, _ in FakeBehaviour() }
        let observer = Counting(wants: wants)
        let result = try Executor(plan: p, options: RunOptions(environment: [:]),
                                  services: RunServices(makeRunner: { runner }, clock: clock, observer: observer)).run()
        #expect(result.state == .success)
        #expect(observer.changes == (wants ? 6 : 0), "queued, running and success for each of two tasks")
        #expect(observer.starts == 1 && observer.finishes == 1)
    }
}
