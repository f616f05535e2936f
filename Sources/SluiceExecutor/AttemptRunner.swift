import Foundation
import SluicePlan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One attempt of one task instance, from its template to its outcome:
/// render (`prepare`) → spawn (`start`) → wait, timeout, SIGTERM, SIGKILL
/// (`processExited`, `tick`, `stop`, `killNow`) → outputs and tables
/// (`finish`) → an `AttemptOutcome`. `sluice run` and `sluice task-run`
/// both run every command task's attempt through it, so the timeout and kill
/// rules and the outcome messages live in this one place (with their wording
/// in `AttemptOutcome`).
///
/// It knows nothing of the run the attempt belongs to: no journal, no
/// scheduler, no cache. The caller hands in values (`Setup`), a
/// `RenderContext` for the template's references and a `ProcessRunner`, and
/// drives it: the executor's loop with many attempts on one runner (each
/// asks for a timer at `nextDeadline`), `task-run` with `runAlone`.
final class AttemptRunner {
    /// What an attempt needs, as values.
    struct Setup {
        var task: PlanTask
        /// Names the attempt's log, staging files and output directory.
        var key: InstanceKey
        /// 1, 2, …: `SLUICE_TRY`.
        var attempt: Int
        var runID: String
        /// Absolute: the task's working directory and `SLUICE_WORKSPACE`.
        var workspace: String
        var environment: TaskEnvironment
        /// Where the log, the staging files and the outputs go (held open).
        var records: RunRecordDirectories
        /// Between SIGTERM and SIGKILL (DESIGN.md: 10 s; tests shorten it).
        var killGraceNanoseconds: Int64
        /// `TemplateRenderer.shellSpots` of the task's `run`, when the caller
        /// already judged them (the executor does once per task); nil: judged here.
        var runSpots: [ShellSpot]? = nil
        /// `run` as the caller already rendered it for this instance with the
        /// values `prepare` gets (the executor's cache key does); nil: rendered here.
        var renderedCommand: String? = nil
    }

    /// Whether the attempt is still going after an event.
    enum Progress: Equatable {
        case running
        /// No process of the attempt is left: call `finish`.
        case ended
    }

    /// The task, kept once (in `setup`): a second stored copy cost a retain and a release of each of its fields per attempt.
    var task: PlanTask { setup.task }
    /// `logs/<name>`, relative to the records directory (as the journal records it).
    let logName: String
    /// `logName` inside the logs directory the spawn is handed (`<stem>.log`),
    /// made with it rather than searched for in it on every attempt.
    private let logFileName: String
    /// An open log file to write instead of creating `logName` (`AttemptLogFiles`); set before `prepare`.
    var logDescriptor: Int32?
    /// The attempt's staging prefix in the staging directory (`fetch.2.try1.`):
    /// the task sees it after the directory's path (`$SLUICE_OUTPUTS` is
    /// `<staging>/<this>outputs`), written into its variables piece by piece.
    private let stagingName: String
    private let setup: Setup
    private let clock: any Clock
    private let collector: OutputCollector
    private var request: ProcessRequest?
    private var runner: (any ProcessRunner)?
    private(set) var handle: ProcessHandle?
    /// How the process (the group's leader) ended, once it did.
    private(set) var exit: ProcessStatus?
    /// The timeout fired: SIGTERM went to the group.
    private(set) var timedOut = false
    /// SIGTERM went to the group (a timeout, stragglers after the leader
    /// exited, or `stop`); SIGKILL follows after the grace period.
    private(set) var terminating = false
    private(set) var killed = false
    private var timeoutAt: Int64?
    private var killAt: Int64?
    private var lingerAt: Int64?
    private var lingerDelay: Int64 = 5_000_000

    init(_ setup: consuming Setup, clock: any Clock) {
        self.clock = clock
        let stem = RunDirectory.attemptStem(setup.key, attempt: setup.attempt)
        logName = RunDirectory.logName(attemptStem: stem)
        logFileName = RunDirectory.logFileName(attemptStem: stem)
        let stagingName = RunDirectory.stagingNamePrefix(attemptStem: stem)
        // The task gets the staging path it can see; the attempt reads through the held staging directory.
        collector = OutputCollector(task: setup.task, key: setup.key, relativePrefix: stagingName, records: setup.records,
                                    workspace: setup.workspace, masker: setup.environment.masker)
        self.stagingName = stagingName
        // Last, and moved in: read after it was stored, the setup was copied (a retain and a release of each field).
        self.setup = setup
    }

    /// The exit code, when the process exited (not killed by a signal).
    var exitCode: Int32? { exit.flatMap(AttemptOutcome.exitCode) }
    /// The results of the data checks on the tables this attempt staged (nil when it had none), for the journal.
    var checks: JSON? { collector.checkLog?.json }

    // MARK: - Render and spawn

    /// Renders `run` and `env` into what to start. A reference that cannot
    /// be rendered fails the attempt, without a retry: rendering is
    /// deterministic, another attempt would fail the same way.
    func prepare(_ context: RenderContext) -> AttemptOutcome? {
        do {
            request = try processRequest(context)
            return nil
        } catch {
            return .failure(error.message, exitCode: nil, retry: false)
        }
    }

    /// Starts the prepared process in its own group; the timeout counts from here.
    func start(on runner: any ProcessRunner) -> AttemptOutcome? {
        guard let request else { return .failure("internal error: the attempt was started before it was prepared", exitCode: nil, retry: false) }
        do { handle = try runner.start(request) } catch { return .failure(error.description, exitCode: nil, retry: true) }
        self.runner = runner
        if let timeout = task.timeoutMilliseconds, timeout > 0 { timeoutAt = clock.monotonicNanoseconds() + timeout * 1_000_000 }
        return nil
    }

    private func processRequest(_ context: RenderContext) throws(RenderError) -> ProcessRequest {
        guard let template = task.run else { throw RenderError("task \"\(task.id)\" has no run") }
        if let label = task.label {
            do { _ = try TemplateRenderer.plainText(label, context) } catch { throw RenderError("\"label\": \(error.message)") }
        }
        let command: String
        if let rendered = setup.renderedCommand {
            command = rendered
        } else {
            command = try TemplateRenderer.shellCommand(template, context, spots: setup.runSpots ?? TemplateRenderer.shellSpots(template))
        }
        var taskEnv: [(String, String)] = []
        for variable in task.env { taskEnv.append((variable.name, try TemplateRenderer.plainText(variable.value, context))) }
        let base = setup.environment
        // The inherited variables go to the spawn as the C strings the run made of them once,
        // unless `env:` replaces one of them: then the attempt has its own copy without it.
        // The attempt's own entries are written straight into one buffer of C strings.
        var inherited: CStringList? = base.inherited
        var environment = CStringBuffer(reservingCapacity: 512)
        var path = base.path
        if !taskEnv.isEmpty {
            let names = Set(taskEnv.map(\.0))
            for entry in base.inherited.strings where !(entry.split(separator: "=", maxSplits: 1).first.map { names.contains(String($0)) } ?? false) {
                environment.append(entry)
            }
            inherited = nil
            for (name, value) in taskEnv where name != "PATH" { environment.append(name, value) }
            if let custom = taskEnv.last(where: { $0.0 == "PATH" })?.1 {
                path = (base.toolDirectory.map { $0 + ":" } ?? "") + custom
            }
        }
        environment.append("PATH", path)
        environment.append("SLUICE_RUN_ID", setup.runID)
        environment.append("SLUICE_TASK", task.id)
        environment.append("SLUICE_MAP_INDEX", decimal: setup.key.mapIndex)
        environment.append("SLUICE_TRY", decimal: setup.attempt)
        environment.append("SLUICE_WORKSPACE", setup.workspace)
        // A mapped instance's item as compact JSON (escaped, so never a raw NUL), for scripts (`sluice_task.item()`).
        if let item = context.item { environment.append("SLUICE_ITEM", item.compact()) }
        let stagingDirectory = setup.records.staging.path
        OutputCollector.forEachStagingVariable(task) { name, file in
            environment.append(name, concatenating: stagingDirectory, "/", stagingName, file)
        }
        // Opened in the logs directory the caller holds, never through a path a task could redirect.
        return ProcessRequest(command: command, sharedEnvironment: inherited, ownEnvironment: environment, workingDirectory: setup.workspace,
                              logPath: logFileName, logDirectory: setup.records.logs.fd,
                              logDescriptor: logDescriptor, masker: base.masker)
    }

    // MARK: - Timeout and kill

    /// The leader exited. The attempt ends when no process of its group is
    /// left; otherwise something it started lives on, and no process of a
    /// task may outlive it: the group gets SIGTERM (SIGKILL after the grace
    /// period) and `tick` looks again, at growing intervals.
    func processExited(_ status: ProcessStatus) -> Progress {
        exit = status
        guard let runner, let handle else { return .ended }
        if killed || !runner.groupAlive(handle) { return .ended }
        let now = clock.monotonicNanoseconds()
        terminate(now)
        lingerAt = now + lingerDelay
        return .running
    }

    /// When `tick` has something to do next (nil: only an exit can end the attempt).
    var nextDeadline: Int64? {
        [exit == nil ? timeoutAt : nil, killed ? nil : killAt, exit != nil ? lingerAt : nil].compactMap { $0 }.min()
    }

    /// Acts on every deadline that has passed, in this order: the timeout
    /// (SIGTERM to the group), the end of the grace period (SIGKILL), another
    /// look at a group that outlived its leader.
    func tick() -> Progress {
        guard let runner, let handle else { return .running }
        let now = clock.monotonicNanoseconds()
        if let at = timeoutAt, now >= at {
            timeoutAt = nil
            if exit == nil {
                timedOut = true
                terminate(now)
            }
        }
        if let at = killAt, now >= at, !killed {
            killed = true
            runner.signalGroup(handle, SIGKILL)
            if exit != nil { return .ended }
        }
        if let at = lingerAt, now >= at, exit != nil {
            if !runner.groupAlive(handle) { return .ended }
            lingerDelay = min(lingerDelay * 2, 200_000_000)
            lingerAt = now + lingerDelay
        }
        return .running
    }

    /// Cancellation: SIGTERM to the group now, SIGKILL after the grace period.
    func stop() { terminate(clock.monotonicNanoseconds()) }

    /// A second Ctrl-C: SIGKILL to the group now, without the grace.
    func killNow() {
        guard let runner, let handle, !killed else { return }
        killed = true
        terminating = true
        runner.signalGroup(handle, SIGKILL)
    }

    private func terminate(_ now: Int64) {
        guard let runner, let handle, !terminating else { return }
        terminating = true
        runner.signalGroup(handle, SIGTERM)
        killAt = now + setup.killGraceNanoseconds
    }

    /// The attempt as the only process of `runner` (`sluice task-run`, the
    /// tests): waits for its exit or its next deadline, and at least every
    /// `pollEvery` calls `poll`, which answers whether to stop the attempt
    /// (a cancel request: SIGTERM, then SIGKILL). Returns whether it was stopped.
    func runAlone(pollEvery: Int64, poll: () -> Bool) -> Bool {
        guard let runner, let handle else { return false }
        var stopped = false
        while true {
            let now = clock.monotonicNanoseconds()
            let wake = min(now + pollEvery, nextDeadline ?? .max)
            var progress = Progress.running
            for exit in runner.wait(timeoutNanoseconds: max(0, wake - now)) where exit.handle == handle {
                progress = processExited(exit.status)
            }
            if poll(), !stopped {
                stopped = true
                if progress == .running { stop() }
            }
            if progress == .ended || tick() == .ended { return stopped }
        }
    }

    // MARK: - Outcome

    /// Judges the attempt once no process of it is left: `interrupted` when
    /// the caller stopped it. After exit 0 the outputs are collected (tables
    /// to Arrow, files moved into place, a branch task's choice checked);
    /// otherwise its staging files are removed. The log is complete on return.
    func finish(interrupted: Bool) -> AttemptOutcome {
        if let runner, let handle { runner.release(handle) }
        let outcome = judge(interrupted: interrupted)
        if case .success = outcome { return outcome }
        collector.removeStaging()
        return outcome
    }

    private func judge(interrupted: Bool) -> AttemptOutcome {
        if interrupted { return .interrupted(AttemptOutcome.interruptedMessage, exitCode: exitCode) }
        if timedOut {
            return .failure(AttemptOutcome.timedOut(afterMilliseconds: task.timeoutMilliseconds ?? 0, killed: killed), exitCode: exitCode, retry: true)
        }
        switch exit {
        case .exited(0)?:
            let values: [String: JSON]
            do { values = try collector.collect() } catch { return .failure(error.message, exitCode: 0, retry: true) }
            if task.branch != nil, case .failure(let problem) = AttemptOutcome.branchChoices(task, values, masker: setup.environment.masker) {
                return .failure(problem.message, exitCode: 0, retry: false)
            }
            return .success(values)
        case .exited(let code)?:
            return .failure(AttemptOutcome.exited(code), exitCode: code, retry: true)
        case .signaled(let signal)?:
            return .failure(AttemptOutcome.signaled(signal), exitCode: nil, retry: true)
        case nil:
            return .failure(AttemptOutcome.lostMessage, exitCode: nil, retry: true)
        }
    }
}
