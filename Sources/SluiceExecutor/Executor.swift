import Foundation
import SluiceBasics
import SluicePlan

/// Runs one plan on this machine: the event loop around the `Scheduler`.
/// One thread drives it; the only cross-thread entries are `cancel()` and
/// the mailbox that child runs (trigger tasks) post to.
public final class Executor: @unchecked Sendable {
    let plan: Plan
    let options: RunOptions
    let services: RunServices
    let graph: RunGraph
    let workspace: String
    let maxActive: Int

    var scheduler: Scheduler
    // Set by `prepare()`, which `run()` calls before anything reads them;
    // init writes nothing, so they cannot exist earlier.
    var runner: (any ProcessRunner)!
    var clock: RunClock
    var directory: RunDirectory!
    /// The run directory and its `logs/`, `outputs/`, `staging/`, held open:
    /// every record is reached from them, never through a symlink.
    var records: RunRecordDirectories!
    /// The attempts' log files, handed on while empty (made with `records`).
    var logFiles: AttemptLogFiles?
    var journal: JournalWriter!
    /// Where each task line is written before the journal copies it (`appendJournal`), its storage kept.
    var journalLineWriter = JournalLineWriter()
    var planWriter: PlanRecordWriter?
    var record = RunRecord()
    var runID = ""
    var runDate = ""
    /// What every task's environment starts from, and the secrets' masker (`prepareEnvironment`).
    var taskEnvironment = TaskEnvironment()

    /// Attempts counted per instance (retries add one each).
    var tries: [InstanceRef: Int] = [:]
    var active: [InstanceRef: ActiveAttempt] = [:]
    var byHandle: [Int: InstanceRef] = [:]
    var outputs: [InstanceRef: [String: JSON]] = [:]
    var items: [Int: [JSON]] = [:]
    /// Per task, the shell spots of its `run` (`runSpots`).
    var judgedRunSpots: [[ShellSpot]?] = []
    /// Per mapped task, its instances' labels (masked), as the journal records them.
    var labels: [Int: [String]] = [:]
    var timers = MinHeap<Timer>()
    var cancelling = false
    var failFastTriggered = false
    let mailbox = Mailbox()
    // Caching (Executor+Cache.swift) and --resume (Executor+Resume.swift).
    var cache: CacheStore?
    var depsDigests: DepsDigests?
    var publisher: CachePublisher?
    /// Keys of instances that are running, published when they succeed.
    var pendingKeys: [InstanceRef: CacheKey] = [:]
    /// Per task, the parts of its instances' keys they all share (`constantKeyParts`).
    var keyPartsByTask: [ConstantKeyParts?] = []
    /// The `outputs` components' digests, by the declared text they hash (`constantKeyParts`).
    /// Made with room for a few texts (most runs have one or two): the first
    /// growth of an empty `[String: String]` runs the standard library's
    /// resize specialization, and the copy of it the link keeps is
    /// ArgumentParser's, which names `_DictionaryStorage<String, String>` by
    /// mangled name, so the runtime checks `String: Hashable` by scanning all
    /// 6,428 conformance records: 0.38M instructions on the first key's path
    /// (docs/speed.md, "a process's start, exec to the first task").
    var declaredDigests = [String: String](minimumCapacity: 8)
    /// The command the last key rendered (`computeKey`), when the instance's
    /// attempt would render the same text: its first attempt runs it as it is.
    var keyRenderedCommand: (ref: InstanceRef, command: String)?
    /// What downstream keys fold in: a finished instance's cache key, or a per-run identity.
    var identities: [InstanceRef: String] = [:]
    /// SHA-256 of each table and file output, by instance and output name.
    var artifactDigests: [InstanceRef: [String: String]] = [:]
    var explanations: [(InstanceRef, String)] = []
    var previousKeys: PreviousKeys?
    /// Task indexes `--force` / `--force-task` make run.
    var forced = Set<Int>()
    /// Instances a resumed run keeps from before (success or cached).
    var restored: [InstanceRef: RunRecord.InstanceRecord] = [:]
    /// Attempts made before a resume: retries count from there.
    var attemptBase: [InstanceRef: Int] = [:]
    /// After a resume, the highest try of each instance (by file stem) that left a log:
    /// a `running` line a machine crash lost must not make a new attempt reuse its log's name.
    var loggedTries: [String: Int] = [:]
    var notes: [String] = []
    // Pools shared across runs (Executor+Pools.swift).
    var sharedPools: SharedPoolSlots?
    /// The shared slot each running attempt holds, by instance.
    var heldSharedSlots: [InstanceRef: Int] = [:]
    /// Instances put back for want of a shared slot: their cache decision is made.
    var slotDeferred = Set<InstanceRef>()
    /// Pools with a poll timer pending, and instances whose wait was shown.
    var poolPolls = Set<Int>()
    var slotWaitShown = Set<InstanceRef>()
    var killing = false
    /// Processes `launch` prepared, started once their `running` lines are on disk.
    var pendingStarts: [PendingStart] = []
    /// The record directories' check for the starts in `pendingStarts` (`replacedRecordDirectory`).
    var recordCheckOfTheseStarts: RecordCheck?
    /// Why the journal cannot be written: the run starts nothing more and ends with this error.
    var journalFailure: String?
    /// Whether the run's records must survive a crash of the machine: set when
    /// the first process starts (`requireDurability`). A run that started none
    /// syncs nothing.
    var durabilityRequired = false
    /// While the loop launches the ready instances, their lines are queued and
    /// written together (`startReadyInstances`), not one `write` each.
    var journalLinesWaitForTheStarts = false
    /// Told the run id as soon as the run directory exists, before any task
    /// starts: a parent journals it as `child_run` (and throws if it cannot).
    var onRunID: (@Sendable (String, String, String) throws(ExecutorError) -> Void)?

    /// Resolves the workspace and checks the plan; nothing is written yet.
    public init(plan: Plan, options: RunOptions, services: RunServices) throws(ExecutorError) {
        self.plan = plan
        self.options = options
        self.services = services
        let checked = try Self.checked(plan)
        graph = checked.graph
        workspace = checked.workspace
        // The core count only when nothing else sets the limit: Foundation reads
        // it from the cgroup's files each time (0.5M instructions, eight system calls here).
        maxActive = max(1, options.maxActive ?? plan.maxActiveTasks ?? max(1, ProcessInfo.processInfo.activeProcessorCount))
        scheduler = Scheduler(graph: graph, maxActive: maxActive)
        clock = RunClock(services.clock)
        forced = try Self.forcedTasks(graph, options.cache)
    }

    /// The plan's graph and its workspace (real path), once the plan is
    /// known to be runnable: `sluice run` and `sluice task-run` check it alike.
    static func checked(_ plan: Plan) throws(ExecutorError) -> (graph: RunGraph, workspace: String) {
        let graph: RunGraph
        do { graph = try RunGraph(plan) } catch { throw ExecutorError("invalid plan: \(error.message)") }
        try checkNames(plan)
        let path = plan.workspace.hasPrefix("/") ? plan.workspace : FileManager.default.currentDirectoryPath + "/" + plan.workspace
        guard let resolved = RunFiles.realPath(path) else {
            throw ExecutorError("the workspace \(plan.workspace) does not exist (plans name it relative to the directory sluice plan ran in)")
        }
        return (graph, resolved)
    }

    /// `--force`: every task; `--force-task T`: T and everything downstream of it.
    private static func forcedTasks(_ graph: RunGraph, _ cache: CacheOptions) throws(ExecutorError) -> Set<Int> {
        if cache.forceAll { return Set(graph.tasks.indices) }
        var forced = Set<Int>()
        var stack: [Int] = []
        for name in cache.forceTasks {
            guard let index = graph.index[name] else {
                throw ExecutorError("--force-task \(name): the pipeline has no task \"\(name)\"")
            }
            stack.append(index)
        }
        while let task = stack.popLast() {
            guard forced.insert(task).inserted else { continue }
            stack.append(contentsOf: graph.downstream[task])
        }
        return forced
    }

    /// Names become directory and variable names: a hand-written plan must not smuggle a path in.
    static func checkNames(_ plan: Plan) throws(ExecutorError) {  // internal: RunStore checks a stored plan.json too
        guard IdentifierRule.pipeline.accepts(plan.pipeline) else { throw ExecutorError("invalid plan: pipeline id \"\(plan.pipeline)\" is not a name") }
        for task in plan.tasks {
            guard IdentifierRule.task.accepts(task.id) else { throw ExecutorError("invalid plan: task id \"\(task.id)\" is not a name") }
            for output in task.outputs where !IdentifierRule.variable.accepts(output.name) {
                throw ExecutorError("invalid plan: output \"\(output.name)\" of task \"\(task.id)\" is not a name")
            }
            for variable in task.env where !IdentifierRule.variable.accepts(variable.name) {
                throw ExecutorError("invalid plan: env \"\(variable.name)\" of task \"\(task.id)\" is not a variable name")
            }
        }
    }

    /// Asks a running run to stop: running tasks get SIGTERM (then SIGKILL),
    /// are journaled as interrupted, and nothing new starts. Safe from any thread.
    public func cancel() {
        mailbox.post(.cancel)
        mailbox.wake()
    }

    /// A second Ctrl-C: as `cancel()`, but SIGKILL to every running group at once.
    public func kill() {
        mailbox.post(.kill)
        mailbox.wake()
    }

    /// Runs the plan to the end and returns how it went. Throws only for
    /// problems of the executor itself (records that cannot be written, an
    /// env_file that is missing); task failures are part of the result.
    public func run() throws(ExecutorError) -> RunResult {
        try prepare()
        mailbox.attach(runner)
        loop()
        return try finish()
    }

    // MARK: - The loop

    func loop() {
        handle(scheduler.start())
        while true {
            drainMailbox()
            startReadyInstances()
            if active.isEmpty && (scheduler.stopped || !scheduler.hasWorkInFlight) {
                if cancelling { break }
                if scheduler.isComplete { break }
                if scheduler.stopped {
                    let reason = "not started: --fail-fast stopped the run after a failure"
                    handle(scheduler.abandon(reason: reason))
                    continue
                }
                if timers.isEmpty {
                    // Cannot happen if every trigger rule decides once its upstream is done; say so rather than hang.
                    handle(scheduler.abandon(reason: "internal error: nothing could start"))
                    continue
                }
            }
            let now = clock.mono()
            let timeout = timers.first.map { max(0, $0.deadline - now) }
            // Ended processes give their slots back first and the next tasks
            // start before their outputs are read and journaled: that work
            // then overlaps the new processes instead of delaying them. Not with
            // --fail-fast: a failure must be known before anything new starts.
            let ended = runner.wait(timeoutNanoseconds: timeout).compactMap { processExited($0) }
            if !ended.isEmpty, !cancelling, !options.failFast {
                startReadyInstances()
            }
            for (ref, end) in ended { finalize(ref, end: end) }
            drainMailbox()
            fireTimers()
        }
    }

    /// Launches every ready instance and starts the processes they need. Their
    /// journal lines (`running`, and any cache hit, skip or refusal among them)
    /// are queued and written with one `write`: before the first process
    /// starts (`startPending`), or before this returns. Nothing they record
    /// is beyond what the next run or `--resume` decides again the same way
    /// until a process starts. Lines written elsewhere (an attempt's end,
    /// once its outputs are in place and its cache entry handed over) go
    /// into the file as they come: a crash of sluice between an end and its
    /// line would turn a `success` into a `cached` on `--resume`.
    func startReadyInstances() {
        journalLinesWaitForTheStarts = true
        while let ref = scheduler.takeNext() { launch(ref) }
        startPending()
        journalLinesWaitForTheStarts = false
        writeQueuedJournalLines()
    }

    func handle(_ events: [SchedulerEvent]) {
        for event in events {
            switch event {
            case .queued(let ref):
                // Kept from before a resume: settled in `launch`, nothing to journal.
                if !restored.isEmpty, restored[ref] != nil { continue }
                emit(ref, attempt: (tries[ref] ?? 0) + 1, state: .queued)
            case .settled(let ref, let state, let reason):
                emit(ref, attempt: 0, state: state, message: reason)
            case .needsExpansion(let task):
                expand(task)
            }
        }
    }

    private func expand(_ task: Int) {
        let events: [SchedulerEvent]
        switch foreachItems(task) {
        case .success(let list):
            items[task] = list
            let mapped = graph.tasks[task]  // one copy for all its instances' labels, not one per item
            let names = InstanceKey.uniqueLabels(list.enumerated().map { index, item in
                TemplateRenderer.instanceLabel(mapped, labelContext(item, index: index), masker: masker)
            })
            labels[task] = names
            let time = clock.now()
            appendJournal(.mapped(task: graph.tasks[task].id, count: list.count, time: time, labels: names,
                                  items: list.map { masker.mask($0) }))
            services.observer?.taskMapped(runID: runID, task: graph.tasks[task].id, count: list.count)
            events = scheduler.expand(task: task, count: list.count)
        case .failure(let error):
            events = scheduler.failExpansion(task: task, message: "foreach: \(error.message)")
        }
        handle(events)
    }

    func foreachItems(_ task: Int) -> Result<[JSON], RenderError> {
        Result { () throws(RenderError) -> [JSON] in
            let value: JSON
            // Named only for the error: `joined` over the path looks up generic metadata at run time
            // (about 60 µs on the first call), on the way to the first start of every mapped run.
            let what: () -> String
            switch graph.tasks[task].foreach {
            case .param(let path)?:
                value = try TemplateRenderer.lookupParam(path, in: plan.params)
                what = { "params." + path.joined(separator: ".") }
            case .output(let reference)?:
                value = try resolveOutput(reference).0
                what = { reference.task + "." + reference.output }
            case nil:
                return []
            }
            guard let list = value.arrayValue else { throw RenderError("\(what()) is not a list (it is \(masker.quoted(value)))") }
            return list
        }
    }

    /// An upstream output as a consumer sees it: the value, or for a mapped
    /// producer the list of its successful instances' values in map-index order.
    func resolveOutput(_ reference: OutputReference) throws(RenderError) -> (JSON, ValueType) {
        let type = try SingleAttempt.downstreamType(reference, graph: graph)
        guard let producer = graph.index[reference.task] else { throw RenderError("\(reference.task) is not a task of the plan") }
        if reference.byLabel {
            // Every instance by its label, null where it did not succeed: aligned with the items.
            let count = scheduler.expandedCount(producer) ?? 0
            let names = labels[producer] ?? []
            let members = (0..<count).map { i in
                (i < names.count ? names[i] : String(i), outputs[InstanceRef(task: producer, mapIndex: i)]?[reference.output] ?? .null)
            }
            return (.object(members), type)
        }
        if graph.tasks[producer].isMapped {
            let count = scheduler.expandedCount(producer) ?? 0
            var values: [JSON] = []
            for i in 0..<count {
                if let value = outputs[InstanceRef(task: producer, mapIndex: i)]?[reference.output] { values.append(value) }
            }
            return (reference.read(.array(values)), type)
        }
        guard let value = outputs[InstanceRef(task: producer, mapIndex: nil)]?[reference.output] else {
            let state = scheduler.phase(InstanceRef(task: producer, mapIndex: nil))
            let why: String
            switch state {
            case .done(let s)?: why = "task \"\(reference.task)\" ended \(s.rawValue)"
            default: why = "task \"\(reference.task)\" has not finished"
            }
            throw RenderError("\(reference.task).\(reference.output) has no value: \(why)")
        }
        return (reference.read(value), type)
    }

    func key(_ ref: InstanceRef) -> InstanceKey {
        InstanceKey(task: graph.tasks[ref.task].id, mapIndex: ref.mapIndex)
    }
}

/// A deadline in the loop: a retry to requeue, a trigger task's timeout,
/// another look at a pool whose shared slots other runs hold, or
/// an attempt's next deadline (`AttemptRunner.nextDeadline`: its timeout,
/// SIGKILL after the grace period, another look at a lingering group).
struct Timer: Comparable, Sendable {
    enum Kind: Int, Sendable { case retry, childTimeout, attempt, poolSlot }
    var deadline: Int64
    var kind: Kind
    var ref: InstanceRef
    /// The attempt the timer belongs to; a timer of an earlier attempt is stale.
    var attempt: Int

    static func < (a: Timer, b: Timer) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.kind.rawValue < b.kind.rawValue
    }
}
