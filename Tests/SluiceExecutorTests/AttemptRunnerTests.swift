import Foundation
import Testing
import SluicePlan
@testable import SluiceExecutor

/// `AttemptRunner` on its own, against the fake runner and clock: no run,
/// no journal, no scheduler. The last tests hold the executor to the same words.

/// One attempt of `task` in a fresh records directory below `dir`.
private func makeAttempt(_ task: PlanTask, in dir: TemporaryDirectory, clock: FakeClock, graceNanoseconds: Int64 = 50_000_000,
                     mapIndex: Int? = nil) throws -> AttemptRunner {
    let records = try RunRecordDirectories.open(".sluice/runs/p/r1", below: dir.path)
    let setup = AttemptRunner.Setup(task: task, key: InstanceKey(task: task.id, mapIndex: mapIndex), attempt: 1, runID: "r1",
                                    workspace: dir.path, environment: TaskEnvironment(), records: records,
                                    killGraceNanoseconds: graceNanoseconds)
    return AttemptRunner(setup, clock: clock)
}

private func context(item: JSON? = nil) -> RenderContext {
    RenderContext(params: .object([]), runID: "r1", runDate: "2026-11-18", item: item, index: nil,
                  output: { reference throws(RenderError) in throw RenderError("\(reference.task) has no value") })
}

/// Prepares, starts and waits out the attempt alone on `runner`; returns its outcome.
private func runToEnd(_ attempt: AttemptRunner, on runner: FakeRunner, stopAfterPolls: Int? = nil) -> AttemptOutcome {
    if let failed = attempt.prepare(context()) { return failed }
    if let failed = attempt.start(on: runner) { return failed }
    var polls = 0
    let stopped = attempt.runAlone(pollEvery: 200_000_000) {
        polls += 1
        return stopAfterPolls.map { polls >= $0 } ?? false
    }
    return attempt.finish(interrupted: stopped)
}

private func failure(_ outcome: AttemptOutcome) -> (message: String, exitCode: Int32?, retry: Bool)? {
    if case .failure(let message, let exitCode, let retry) = outcome { return (message, exitCode, retry) }
    return nil
}

@Test func aTimeoutSendsSigtermThenSigkillAfterTheGraceAndSaysSo() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let clock = FakeClock()
    let runner = FakeRunner(clock: clock) { _, _ in FakeBehaviour(duration: 60_000_000_000, ignoresTerm: true) }
    let start = clock.monotonicNanoseconds()
    let outcome = runToEnd(try makeAttempt(task("stuck", timeout: 100), in: dir, clock: clock), on: runner)
    #expect(runner.signals.map(\.1) == [SIGTERM, SIGKILL])
    // SIGTERM at the timeout, SIGKILL one grace period (50 ms) later, and the attempt ends with the kill.
    #expect(runner.started.first?.end == start + 150_000_000)
    let failed = try #require(failure(outcome))
    #expect(failed.message == "timed out after 100ms (SIGKILL to its process group)")
    #expect(failed.exitCode == nil && failed.retry)
}

@Test func aTimedOutProcessThatHonoursSigtermGetsNoSigkill() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let clock = FakeClock()
    let runner = FakeRunner(clock: clock) { _, _ in FakeBehaviour(duration: 60_000_000_000) }
    let outcome = runToEnd(try makeAttempt(task("slow", timeout: 2000), in: dir, clock: clock), on: runner)
    #expect(runner.signals.map(\.1) == [SIGTERM])
    #expect(failure(outcome)?.message == "timed out after 2s (SIGTERM to its process group)")
}

@Test func exitsAndSignalsAreWordedOnce() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let cases: [(ProcessStatus, String, Int32?)] = [
        (.exited(3), "exit code 3", 3),
        (.signaled(SIGSEGV), "killed by signal 11 (SIGSEGV)", nil),
        (.signaled(64), "killed by signal 64", nil),
    ]
    for (status, message, exitCode) in cases {
        let clock = FakeClock()
        let runner = FakeRunner(clock: clock) { _, _ in FakeBehaviour(status: status) }
        let failed = try #require(failure(runToEnd(try makeAttempt(task("t"), in: dir, clock: clock), on: runner)))
        #expect(failed.message == message && failed.exitCode == exitCode && failed.retry, "\(status)")
    }
}

@Test func aMissingOutputFailsTheAttemptThatExitedZero() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let clock = FakeClock()
    let runner = FakeRunner(clock: clock) { _, _ in FakeBehaviour() }
    let quiet = task("quiet", outputs: [PlanOutput(name: "n", type: .int)])
    let failed = try #require(failure(runToEnd(try makeAttempt(quiet, in: dir, clock: clock), on: runner)))
    #expect(failed.message == #"the task did not write output "n" to $SLUICE_OUTPUTS"#)
    #expect(failed.exitCode == 0 && failed.retry)
}

@Test func outputsAndBranchChoicesAreJudgedByTheAttempt() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let clock = FakeClock()
    let writes = FakeRunner(clock: clock) { _, _ in FakeBehaviour(outputs: "n=7\n") }
    let counted = task("counted", outputs: [PlanOutput(name: "n", type: .int)])
    guard case .success(let values) = runToEnd(try makeAttempt(counted, in: dir, clock: clock), on: writes) else {
        Issue.record("the attempt did not succeed")
        return
    }
    #expect(values["n"] == .int(7))
    #expect(FileManager.default.fileExists(atPath: dir.path + "/.sluice/runs/p/r1/outputs/counted/outputs.json"))
    let strays = FakeRunner(clock: clock) { _, _ in FakeBehaviour(outputs: "branch=elsewhere\n") }
    let failed = try #require(failure(runToEnd(try makeAttempt(task("decide", branch: ["a", "b"]), in: dir, clock: clock), on: strays)))
    #expect(failed.message == #"branch chose "elsewhere", which is not one of "a", "b""#)
    #expect(failed.exitCode == 0 && !failed.retry, "a branch that chose wrong would choose wrong again")
}

@Test func aReferenceThatCannotRenderFailsBeforeAnyProcessStarts() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let clock = FakeClock()
    let runner = FakeRunner(clock: clock)
    let mapped = task("mapped", template: Template([.text("echo "), .reference(.item)]))
    let failed = try #require(failure(runToEnd(try makeAttempt(mapped, in: dir, clock: clock), on: runner)))
    #expect(failed.message == "{{ item }} is only defined inside a foreach task")
    #expect(!failed.retry)
    #expect(runner.started.isEmpty)
}

@Test func theProcessGetsTheTasksEnvironmentAndStagingPaths() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let clock = FakeClock()
    let runner = FakeRunner(clock: clock)
    let table = task("load", outputs: [PlanOutput(name: "rows", type: .table([TableColumn(name: "a", type: .int64)]))])
    _ = runToEnd(try makeAttempt(table, in: dir, clock: clock, mapIndex: 2), on: runner)
    let environment = try #require(runner.started.first?.environment)
    let staging = dir.path + "/.sluice/runs/p/r1/staging/load.2.try1."
    #expect(environment["SLUICE_OUTPUTS"] == staging + "outputs")
    #expect(environment["SLUICE_TABLE_ROWS"] == staging + "table.rows")
    #expect(environment["SLUICE_TASK"] == "load" && environment["SLUICE_MAP_INDEX"] == "2" && environment["SLUICE_TRY"] == "1")
    #expect(environment["SLUICE_RUN_ID"] == "r1" && environment["SLUICE_WORKSPACE"] == dir.path)
    #expect(runner.started.first?.request.logPath == "load.2.try1.log")
}

@Test func aStoppedAttemptIsInterruptedWhateverItsExit() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let clock = FakeClock()
    let runner = FakeRunner(clock: clock) { _, _ in FakeBehaviour(duration: 60_000_000_000, ignoresTerm: true) }
    let outcome = runToEnd(try makeAttempt(task("long"), in: dir, clock: clock), on: runner, stopAfterPolls: 1)
    #expect(runner.signals.map(\.1) == [SIGTERM, SIGKILL])
    guard case .interrupted(let message, let exitCode) = outcome else {
        Issue.record("not interrupted: \(outcome)")
        return
    }
    #expect(message == "interrupted" && exitCode == nil)
}

/// A leader that exits at once and leaves a process of its group behind,
/// which lives until the group gets SIGTERM.
private final class LingeringRunner: ProcessRunner {
    let clock: FakeClock
    var signals: [Int32] = []
    var reported = false
    init(clock: FakeClock) { self.clock = clock }

    func start(_ request: ProcessRequest) throws(ProcessStartError) -> ProcessHandle { ProcessHandle(id: 1, pid: 4242) }
    func signalGroup(_ handle: ProcessHandle, _ signal: Int32) { signals.append(signal) }
    func groupAlive(_ handle: ProcessHandle) -> Bool { signals.isEmpty }
    func wait(timeoutNanoseconds: Int64?) -> [ProcessExit] {
        if !reported {
            reported = true
            return [ProcessExit(handle: ProcessHandle(id: 1, pid: 4242), status: .exited(0))]
        }
        clock.advance(to: clock.monotonicNanoseconds() + (timeoutNanoseconds ?? 0))
        return []
    }
    func wake() {}
    func release(_ handle: ProcessHandle) {}
}

@Test func aGroupThatOutlivesItsLeaderIsTerminatedBeforeTheAttemptEnds() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let clock = FakeClock()
    let runner = LingeringRunner(clock: clock)
    let attempt = try makeAttempt(task("leaves"), in: dir, clock: clock)
    let prepared = attempt.prepare(context())
    let started = attempt.start(on: runner)
    #expect(prepared == nil && started == nil)
    let start = clock.monotonicNanoseconds()
    #expect(!attempt.runAlone(pollEvery: 200_000_000) { false })
    #expect(runner.signals == [SIGTERM])
    // The attempt ended at the first look after SIGTERM (5 ms), not at the leader's exit.
    #expect(clock.monotonicNanoseconds() == start + 5_000_000)
    guard case .success = attempt.finish(interrupted: false) else {
        Issue.record("the attempt exited 0 and its group is gone: it succeeds")
        return
    }
}

// MARK: - The executor says the same

/// The message `sluice run`'s executor journals for `task` (which fails on its first and only attempt).
private func executorMessage(_ task: PlanTask, behaviour: @escaping (ProcessRequest, Int) -> FakeBehaviour) throws -> String? {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    var options = RunOptions(environment: [:])
    options.killGraceNanoseconds = 50_000_000
    let (result, _) = try runWithFake(plan([task]), in: dir, options: options, behaviour: behaviour)
    return result.record.instance(InstanceKey(task: task.id))?.message
}

@Test func theExecutorJournalsTheAttemptRunnersOwnWords() throws {
    let cases: [(PlanTask, FakeBehaviour)] = [
        (task("stuck", timeout: 100), FakeBehaviour(duration: 60_000_000_000, ignoresTerm: true)),
        (task("slow", timeout: 1500), FakeBehaviour(duration: 60_000_000_000)),
        (task("quiet", outputs: [PlanOutput(name: "n", type: .int)]), FakeBehaviour()),
        (task("crash"), FakeBehaviour(status: .signaled(SIGABRT))),
    ]
    for (planTask, behaviour) in cases {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let clock = FakeClock()
        let alone = failure(runToEnd(try makeAttempt(planTask, in: dir, clock: clock), on: FakeRunner(clock: clock) { _, _ in behaviour }))
        let journaled = try executorMessage(planTask) { _, _ in behaviour }
        #expect(alone?.message != nil && journaled == alone?.message, "\(planTask.id): run says \(journaled ?? "nothing"), alone \(alone?.message ?? "nothing")")
    }
}

@Test func aLogNamesLastComponentIsCutAfterItsLastSlash() {
    #expect(AttemptLogFiles.lastComponent("logs/fetch.2.try1.log") == "fetch.2.try1.log")
    #expect(AttemptLogFiles.lastComponent("logs/sub/é.try1.log") == "é.try1.log")
    #expect(AttemptLogFiles.lastComponent("t.try1.log") == "t.try1.log")
    #expect(AttemptLogFiles.lastComponent("logs/") == "")
}

/// The inherited variables reach the spawn as the run's one list of C strings
/// (`TaskEnvironment.inherited`), not copied per attempt; an attempt whose
/// `env:` replaces one of them gets its own list without it. Either way the
/// task sees the same variables in the same order.
@Test func anAttemptSharesTheRunsInheritedVariablesUnlessItsEnvReplacesOne() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let clock = FakeClock()
    var environment = TaskEnvironment()
    environment.inherited = CStringList(["A=1", "HOME=/home/x", "Z=26"])
    environment.path = "/usr/bin:/bin"
    let records = try RunRecordDirectories.open(".sluice/runs/p/r1", below: dir.path)
    func request(_ task: PlanTask) throws -> ProcessRequest {
        let runner = FakeRunner(clock: clock) { _, _ in FakeBehaviour() }
        let attempt = AttemptRunner(AttemptRunner.Setup(task: task, key: InstanceKey(task: task.id), attempt: 2, runID: "r1", workspace: dir.path,
                                                        environment: environment, records: records, killGraceNanoseconds: 1),
                                    clock: clock)
        #expect(attempt.prepare(context()) == nil)
        #expect(attempt.start(on: runner) == nil)
        return try #require(runner.started.first?.request)
    }
    let sluiceVariables = { (id: String) in
        ["PATH=/usr/bin:/bin", "SLUICE_RUN_ID=r1", "SLUICE_TASK=\(id)", "SLUICE_MAP_INDEX=", "SLUICE_TRY=2", "SLUICE_WORKSPACE=\(dir.path)",
         "SLUICE_OUTPUTS=\(records.staging.path)/\(id).try2.outputs"]
    }
    let plain = try request(task("plain"))
    #expect(plain.sharedEnvironment === environment.inherited)
    #expect(plain.ownEnvironment.strings == sluiceVariables("plain"))
    #expect(plain.environment == ["A=1", "HOME=/home/x", "Z=26"] + sluiceVariables("plain"))

    var replacing = task("replacing")
    replacing.env = [EnvVariable(name: "HOME", value: Template([.text("/elsewhere")]))]
    let own = try request(replacing)
    #expect(own.sharedEnvironment == nil)
    #expect(own.environment == ["A=1", "Z=26", "HOME=/elsewhere"] + sluiceVariables("replacing"))
}

/// A command the caller already rendered for the instance is run as given, not rendered again.
@Test func aCommandRenderedBeforeIsRunAsGiven() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let clock = FakeClock()
    let runner = FakeRunner(clock: clock)
    let records = try RunRecordDirectories.open(".sluice/runs/p/r1", below: dir.path)
    let template = Template([.text("echo "), .reference(.item)])
    var setup = AttemptRunner.Setup(task: task("each", template: template), key: InstanceKey(task: "each", mapIndex: 0), attempt: 1,
                                    runID: "r1", workspace: dir.path, environment: TaskEnvironment(), records: records,
                                    killGraceNanoseconds: 50_000_000)
    setup.renderedCommand = "echo 'rendered before'"
    // This context has no item: rendering the template here would fail the attempt.
    let outcome = runToEnd(AttemptRunner(setup, clock: clock), on: runner)
    #expect(runner.started.map(\.request.command) == ["echo 'rendered before'"])
    if case .success = outcome {} else { Issue.record("the attempt failed: \(outcome)") }
}
