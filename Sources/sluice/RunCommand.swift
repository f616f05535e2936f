import ArgumentParser
import Foundation
import SluiceBasics
import SluiceCompiler
import SluiceExecutor
import SluicePlan

/// `sluice run SPEC|PLAN`: run a pipeline on this machine. Wiring only: the
/// plan comes from the compiler (or a plan.json), the run from `SluiceExecutor`.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline locally.",
        discussion: """
            Runs every task of the spec (or of a plan.json written by `sluice plan`) as its own \
            process group in the workspace, in parallel up to max_active_tasks, and records the run \
            in <workspace>/.sluice/runs/<pipeline>/<run_id>/. A task whose cache key (rendered command, \
            params it reads, upstream values, deps files, declared env) matches an intact entry in \
            .sluice/cache/ is cached, not run. Exit status: 0 when the run succeeded, \
            1 when it failed (a leaf task ended failed or upstream_failed, as in Airflow; or the spec \
            has errors), 2 on usage or I/O errors, 128 + the signal when \
            Ctrl-C (130), SIGTERM (143) or SIGHUP (129) interrupted it (running tasks get SIGTERM, then \
            SIGKILL; a second signal kills at once).
            """
    )

    @Argument(help: "A pipeline spec (.yaml) or a plan (.json).")
    var target: String

    @Option(name: .customLong("param"), help: "Override a param: key.path=value, typed by the value it replaces. Repeatable.")
    var params: [String] = []

    @Option(help: "Run at most N tasks at once (default: the plan's max_active_tasks, else the number of cores).")
    var maxActive: Int?

    @Flag(help: "Predict what would run and what would be cached, and why, with commands rendered as far as possible; run nothing, write nothing.")
    var dryRun = false

    enum DryRunFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(help: "With --dry-run: text or json (docs/schema/dry-run.schema.json).")
    var format: DryRunFormat?

    @Flag(help: "After the first task fails for good, start nothing new.")
    var failFast = false

    @Flag(help: "Run every task, even those whose cache entry is up to date (their entries are replaced).")
    var force = false

    @Option(name: .customLong("force-task"), help: "Run this task and everything downstream of it, cached or not. Repeatable.")
    var forceTasks: [String] = []

    @Flag(help: "Neither use nor fill the cache: every task runs and nothing is stored.")
    var noCache = false

    @Flag(help: "Print one line per task saying why it ran or why it was cached.")
    var explain = false

    @Option(help: "Continue run RUN_ID (or latest) of this pipeline: keep what succeeded, run the rest.")
    var resume: String?

    @Option(help: "Colour output: auto, always or never.")
    var color: ColorChoice = .auto

    func validate() throws {
        if let maxActive, maxActive < 1 { throw ValidationError("--max-active must be at least 1, not \(maxActive)") }
        if resume != nil && dryRun { throw ValidationError("--resume and --dry-run do not go together") }
        if format != nil && !dryRun { throw ValidationError("--format goes with --dry-run (a run prints its summary)") }
    }

    /// What was asked, as plain values.
    var job: RunJob {
        RunJob(target: target, params: params, maxActive: maxActive, dryRun: dryRun, format: format, failFast: failFast,
               force: force, forceTasks: forceTasks, noCache: noCache, explain: explain, resume: resume, color: color)
    }

    func run() throws {
        try job.run()
    }

    /// The argv fast path, as `LintCommand.fastPath`: reads the common
    /// command lines of a run (`arguments` are those after `run`): one
    /// target, `--param`, `--max-active`, `--fail-fast`, `--force`,
    /// `--force-task`, `--no-cache`, `--explain`, `--resume`, `--color`)
    /// without ArgumentParser, whose reflection-driven set-up is half of
    /// what a run does before its first task starts (15M instructions).
    /// Anything else (help, `--dry-run` and `--format`, an unknown or
    /// repeated option, a bad value, `--`, a second target) gives nil, and
    /// ArgumentParser reads it as before, errors and `validate()` included.
    /// `RunFastPathTests` holds both readings equal over every form this accepts.
    static func fastPath(_ arguments: [String]) -> RunJob? {
        guard let words = FastPathWords.read(arguments, flags: ["--fail-fast", "--force", "--no-cache", "--explain"],
                                             options: ["--param", "--max-active", "--force-task", "--resume", "--color"]) else { return nil }
        var target: String?
        var job = RunJob(target: "")
        var seen = Set<String>()
        for word in words {
            switch word {
            case .operand(let operand):
                guard target == nil else { return nil }
                target = operand
            case .flag(let name):
                guard seen.insert(name).inserted else { return nil }
                switch name {
                case "--fail-fast": job.failFast = true
                case "--force": job.force = true
                case "--no-cache": job.noCache = true
                default: job.explain = true
                }
            case .option("--param", let value):
                job.params.append(value)
            case .option("--force-task", let value):
                job.forceTasks.append(value)
            case .option("--max-active", let value):
                // Digits only, at least 1: anything else is ArgumentParser's to refuse (`validate()`).
                guard seen.insert("--max-active").inserted, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                      let count = Int(value), count >= 1 else { return nil }
                job.maxActive = count
            case .option("--resume", let value):
                guard seen.insert("--resume").inserted else { return nil }
                job.resume = value
            case .option(_, let value):
                guard seen.insert("--color").inserted, let color = ColorChoice(rawValue: value) else { return nil }
                job.color = color
            }
        }
        guard let target else { return nil }
        job.target = target
        return job
    }

    static func execute(_ plan: Plan, options: RunOptions, services: RunServices,
                        interrupts: InterruptCount = InterruptCount(),
                        announce: @escaping @Sendable (Int32, Int) -> Void = { _, _ in }) -> Result<RunResult, ExecutorError> {
        Result { () throws(ExecutorError) -> RunResult in
            let executor = try Executor(plan: plan, options: options, services: services)
            // In place before the run makes anything: a signal from here on stops
            // the run. One before this still has its default action: sluice ends.
            let forwarding = Self.forwardInterrupts(to: executor, count: interrupts, announce: announce)
            defer { forwarding.stop() }
            return try executor.run()
        }
    }

    /// Ctrl-C, SIGTERM and SIGHUP (a closed terminal, a dropped ssh) stop
    /// the run instead of killing sluice alone: tasks run in their own process
    /// groups, so the terminal's signals never reach them, and they would
    /// outlive an abruptly killed sluice. `cancel()` SIGTERMs every running
    /// group, SIGKILLs after the grace and journals them `interrupted`; the run
    /// ends `interrupted`, exit 128 + the first signal (130, 143, 129). A second
    /// signal does not wait for the grace period: every running group gets SIGKILL at once.
    /// `nohup sluice run …` asks for the run to outlive the terminal: a
    /// SIGHUP ignored from the start stays ignored. `announce` says at once
    /// what each interrupt does (the signal, and which interrupt it is).
    static func forwardInterrupts(to executor: Executor, count: InterruptCount,
                                  announce: @escaping @Sendable (Int32, Int) -> Void = { _, _ in }) -> SignalForwarding.Forwarding {
        forwardInterrupts(count: count, announce: announce) { number in
            if number == 1 { executor.cancel() } else { executor.kill() }
        }
    }

    /// The signal handling of `forwardInterrupts(to:count:announce:)`,
    /// with what the first and later interrupts do given as `act(number)`.
    static func forwardInterrupts(count: InterruptCount,
                                  announce: @escaping @Sendable (Int32, Int) -> Void = { _, _ in },
                                  act: @escaping @Sendable (Int) -> Void) -> SignalForwarding.Forwarding {
        let signals = [SIGINT, SIGTERM, SIGHUP].filter { !($0 == SIGHUP && SignalForwarding.isIgnored(SIGHUP)) }
        return SignalForwarding.install(signals) { signalNumber in
            let number = count.next(signalNumber)
            // Said first: once the kill is sent the tasks settle, and the
            // message would count none of them.
            announce(signalNumber, number)
            act(number)
        }
    }

    /// The directory of the running binary, put first on every task's PATH
    /// so `sluice cat` works inside a task without an install.
    static func toolDirectory() -> String? {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return (resolved as NSString).deletingLastPathComponent
        }
        let argument = CommandLine.arguments.first ?? ""
        guard argument.contains("/") else { return nil }
        let absolute = argument.hasPrefix("/") ? argument : FileManager.default.currentDirectoryPath + "/" + argument
        return ((absolute as NSString).standardizingPath as NSString).deletingLastPathComponent
    }
}

/// One `sluice run` invocation, apart from how its command line was read:
/// by ArgumentParser, or by `RunCommand.fastPath`.
struct RunJob: Equatable, FastPathJob {
    var target: String
    var params: [String] = []
    var maxActive: Int?
    var dryRun = false
    var format: RunCommand.DryRunFormat?
    var failFast = false
    var force = false
    var forceTasks: [String] = []
    var noCache = false
    var explain = false
    var resume: String?
    var color: ColorChoice = .auto

    func run() throws {
        var plan = try PlanLoading.load(target, paramOverrides: params, color: color)
        var flags = JournalEvent.RunFlags(force: force, forceTasks: forceTasks, noCache: noCache)
        if let resume, !dryRun {
            let asGiven = plan
            let resumable: Executor.ResumableRun
            do { resumable = try Executor.findResumable(plan, runID: resume) } catch { throw failUsageOrIO(error.message) }
            if resumable.succeeded {
                writeOut("run \(resumable.runID) already succeeded; nothing to resume\n")
                return
            }
            plan = resumable.plan
            // Repeating the first command line with --resume added is the
            // natural thing to type: --param is fine as long as it changes nothing.
            if !params.isEmpty && asGiven.params != plan.params {
                throw failUsageOrIO("--resume continues run \(resumable.runID) with the params it had, and \(params.map { "--param \($0)" }.joined(separator: " ")) changes them; start a new run instead")
            }
            // The same for the flags that decide what runs; those not typed are kept.
            if let conflict = resumable.flags.conflict(withTyped: flags) {
                throw failUsageOrIO("cannot resume run \(resumable.runID) with \(conflict): a resume keeps the flags its run was started with; leave it out, or start a new run")
            }
            if !resumable.flags.arguments.isEmpty && resumable.flags != flags {
                FileHandle.standardError.write(Data("note: run \(resumable.runID) continues with \(resumable.flags.arguments.joined(separator: " ")), as it was started\n".utf8))
            }
            flags = resumable.flags
        }
        if dryRun {
            try predict(plan, flags: flags)
            return
        }
        // Read once: each read builds the whole dictionary again.
        let environment = ProcessEnvironment.current()
        let colored = color.enabled()
        let progress = RunProgress(live: isatty(STDOUT_FILENO) == 1 && environment["TERM"] != "dumb",
                                   color: colored, discarded: Terminal.isNullDevice(STDOUT_FILENO))
        var options = RunOptions(environment: environment, maxActive: maxActive, failFast: failFast,
                                 toolDirectory: RunCommand.toolDirectory())
        // Internal knob for the end-to-end tests: a short SIGTERM→SIGKILL grace keeps timeout tests fast.
        if let grace = environment["SLUICE_KILL_GRACE_MS"].flatMap(Int64.init), grace >= 0 {
            let (nanoseconds, overflow) = grace.multipliedReportingOverflow(by: 1_000_000)
            if !overflow { options.killGraceNanoseconds = nanoseconds }
        }
        options.cache = CacheOptions(enabled: !flags.noCache, forceAll: flags.force, forceTasks: flags.forceTasks, explain: explain)
        options.resumeRunID = resume
        // The summary's table is made while the run's end syncs its records (a core is idle then).
        // Child runs get no summary: theirs would delay the parent's task for nothing.
        let summaryBody = Handoff<RunSummary.Body>()
        let services = RunServices(loadChildPlan: { path in try ChildPlans.load(path) }, observer: progress,
                                   whileRecordsSync: { record in
                                       guard record.parentRunID == nil else { return }
                                       summaryBody.put(RunSummary.Body(record, color: colored))
                                   })
        let interrupts = InterruptCount()
        let outcome = RunCommand.execute(plan, options: options, services: services, interrupts: interrupts,
                                   announce: { signal, count in progress.interrupting(signal: signal, count: count) })
        progress.stop()
        let result: RunResult
        switch outcome {
        case .success(let value): result = value
        case .failure(let error): throw failUsageOrIO(error.message)
        }
        // After an interruption the exit status says what happened, and after
        // SIGHUP the terminal is gone: the report is then written as far as it goes.
        let interrupted = result.state == .interrupted
        func report(_ text: String, to descriptor: Int32) {
            if interrupted { _ = Terminal.writeAll(Array(text.utf8)[...], to: descriptor) } else { Terminal.write(text, to: descriptor) }
        }
        for note in result.notes { report("note: \(note)\n", to: STDERR_FILENO) }
        if explain && !result.explanations.isEmpty { report("\n" + result.explanations.joined(separator: "\n") + "\n", to: STDOUT_FILENO) }
        report(RunSummary.render(result, color: colored, body: summaryBody.take()), to: STDOUT_FILENO)
        if let next = RunSummary.nextStep(result.state, spec: target, runID: result.runID) { report(next + "\n", to: STDOUT_FILENO) }
        if interrupted { Foundation.exit(128 + (interrupts.first ?? SIGINT)) }
        exitWithoutTeardown(result.state == .success ? .success : .failure)
    }

    /// `--dry-run`: the prediction, from the same options a run would get.
    private func predict(_ plan: Plan, flags: JournalEvent.RunFlags) throws {
        var options = RunOptions(environment: ProcessEnvironment.current(), maxActive: maxActive, failFast: failFast,
                                 toolDirectory: RunCommand.toolDirectory())
        options.cache = CacheOptions(enabled: !flags.noCache, forceAll: flags.force, forceTasks: flags.forceTasks, explain: explain)
        do {
            let prediction = try Executor.predict(plan, options: options)
            if format == .json {
                writeOut(prediction.json().pretty() + "\n")
                return
            }
            for note in prediction.notes { Terminal.write("note: \(note)\n", to: STDERR_FILENO) }
            writeOut(try DryRun.describe(plan, maxActive: maxActive, prediction: prediction, explain: explain))
        } catch { throw failUsageOrIO(error.message) }
    }
}

/// Plans of triggered pipelines, built by the compiler for the executor
/// (which never imports it). A spec with errors fails the trigger task.
enum ChildPlans {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func load(_ path: String) throws -> Plan {
        let result = PlanBuilder.build(specPath: path)
        if let failure = result.failure { throw Failure(description: failure) }
        guard let plan = result.plan else {
            let first = result.diagnostics.first { $0.severity == .error }
            let location = first.map { "\($0.file):\($0.range.start.line):\($0.range.start.column): \($0.message)" } ?? "it has errors"
            throw Failure(description: "the spec does not check (\(location)); run sluice lint \(path)")
        }
        return plan
    }
}

/// How many interrupts arrived, and the first signal (its number sets the
/// exit status). Signal handlers run on a global queue.
final class InterruptCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var firstSignal: Int32?

    func next(_ signalNumber: Int32) -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        if firstSignal == nil { firstSignal = signalNumber }
        return count
    }

    var first: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return firstSignal
    }
}
