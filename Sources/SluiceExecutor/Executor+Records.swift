import Foundation
import SluiceBasics
import SluiceColumnar
import SluicePlan

extension Executor {
    /// The workspace's records (`.sluice/`).
    var runStore: RunStore { RunStore(workspace: workspace) }

    /// Reads the environment and secrets, creates the run directory, the
    /// journal and `plan.json`, and journals `run_started`.
    func prepare() throws(ExecutorError) {
        try prepareEnvironment()
        do { runner = try services.makeRunner() } catch { throw ExecutorError(error.description) }
        if options.cache.enabled {
            let cacheStore = CacheStore(runStore)
            try cacheStore.lockShared()
            cache = cacheStore
            depsDigests = cacheStore.depsDigests()
            publisher = CachePublisher()
        }
        if let resume = options.resumeRunID {
            try prepareResume(resume)
            return
        }
        directory = try runStore.createRun(pipeline: plan.pipeline, clock: clock)
        runID = directory.runID
        records = try runStore.openRecords(directory)
        try onRunID?(runID, plan.pipeline, workspace)
        let start = clock.now()
        runDate = Timestamp.date(start)
        journal = try JournalWriter(path: directory.journal)
        planWriter = PlanRecordWriter(plan: plan, in: records.run, masker: masker, ignoringRecordsOf: runStore)
        let started = JournalEvent.RunStarted(runID: runID, pipeline: plan.pipeline, time: start, parentRunID: options.parentRunID,
                                              sourceSHA256: plan.sourceSHA256, workspace: workspace, pid: getpid(),
                                              flags: JournalEvent.RunFlags(force: options.cache.forceAll, forceTasks: options.cache.forceTasks,
                                                                           noCache: !options.cache.enabled),
                                              triggerParams: options.triggerParams.map { masker.mask($0) })
        appendJournal(.runStarted(started))
        services.observer?.runStarted(RunStartInfo(runID: runID, pipeline: plan.pipeline, directory: directory,
                                                   parentRunID: options.parentRunID, depth: options.depth, time: start,
                                                   taskCount: plan.tasks.count, unsetSecrets: unsetSecrets))
    }

    /// Writes `tasks.arrow`, journals `run_finished` and waits until the journal is on disk.
    func finish() throws(ExecutorError) -> RunResult {
        let state = runState()
        var problems: [String] = []
        // Nothing publishes after the loop: the last batch goes while `tasks.arrow` and the journal sync.
        publisher?.endSubmissions()
        // What needs no order against the syncs below runs beside them on a
        // second thread (no task runs now, so a core is idle, and this one
        // mostly waits for the disk): the caller's work on the settled record
        // (the CLI's summary table), the empty `staging/` removed, the
        // publisher's last batch awaited, and the pack written under a
        // temporary name (renamed into place only after `run_finished`, below).
        let runDirectory = records.run, publisher = publisher, cache = cache, runID = runID, settled = record
        let whileRecordsSync = services.whileRecordsSync
        let (_, beside) = SecondThread.run({
            do { try TasksTable.write(record, to: records.run.pinned(RunStore.Layout.tasksTable), durable: durabilityRequired) } catch {
                problems.append(records.run.readable(writeFailure(directory.tasksTable, error)))
            }
            if let problem = planWriter?.wait(durable: durabilityRequired) { problems.append(problem) }
            sharedPools?.close()
            // The last line and the close at once: `close` syncs it on this thread if the writer sleeps.
            let runFinished = JournalEvent.runFinished(state: state, time: clock.now())
            record.apply(runFinished)
            let closeFailure: ExecutorError? = runFinished.withLine { line in
                do throws(ExecutorError) { try journal.close(after: line) } catch { return error }
                return nil
            }
            if let closeFailure { problems.insert(journalStopMessage(closeFailure.message), at: 0) }
        }, beside: { () -> (unpublished: [String], pack: CacheStore.PreparedPack?) in
            // The caller's work first: the publisher's last batch runs on its own thread meanwhile.
            whileRecordsSync?(settled)
            _ = unlinkat(runDirectory.fd, "staging", AT_REMOVEDIR)  // only if empty, and never a symlink
            let unpublished = publisher?.finish() ?? []
            let pack = cache?.preparePack(runID: runID)
            return (unpublished, pack)
        })
        // Entries not published are a slower next run, not a failed one.
        for problem in beside.unpublished { notes.append("cache: " + problem) }
        beside.pack?.publish()
        depsDigests?.save()
        cache?.unlock()
        var result = RunResult(runID: runID, pipeline: plan.pipeline, state: state, directory: directory, record: record, depth: options.depth)
        result.explanations = explanations.sorted { a, b in
            (graph.order[a.0.task], a.0.mapIndex ?? -1) < (graph.order[b.0.task], b.0.mapIndex ?? -1)
        }.map { "\(key($0.0)): \($0.1)" }
        result.notes = notes
        services.observer?.runFinished(result)
        if let problem = problems.first { throw ExecutorError(problem) }
        return result
    }

    /// Airflow's DAG-run rule (`DagRun.update_state` over its leaf task
    /// instances): failed when a leaf ended failed or upstream_failed, else
    /// success. A failure a leaf ran after anyway (`all_done`, `always`) does
    /// not fail the run; the summary still lists it. A run `--fail-fast`
    /// stopped is failed: its leaves were skipped because of the failure.
    private func runState() -> PipelineRunState {
        if cancelling { return .interrupted }
        if failFastTriggered { return .failed }
        let leafFailed = record.instances.contains { instance in
            guard instance.state == .failed || instance.state == .upstreamFailed,
                  let task = graph.index[instance.key.task] else { return false }
            return graph.downstream[task].isEmpty
        }
        return leafFailed ? .failed : .success
    }

    /// A journal that could not be written ends the run with this error (exit 2).
    private func journalStopMessage(_ problem: String) -> String {
        guard journalFailure != nil else { return problem }
        return "\(problem): started no more tasks and stopped the running ones; free space, then continue with --resume \(runID)"
    }

    /// Journals a task event, feeds the in-memory record and tells the observer.
    func emit(_ ref: InstanceRef, attempt: Int, state: TaskState, message: String? = nil, exitCode: Int32? = nil,
              outputs: JSON? = nil, log: String? = nil, logBytes: Int? = nil, retryIn: Int64? = nil, duration: Int64? = nil,
              time: Int64? = nil, cacheHit: Bool? = nil, cacheKey: String? = nil, checks: JSON? = nil) {
        let key = key(ref)
        let time = time ?? clock.now()
        let maskedMessage = message.map { masker.mask($0) }
        let event = JournalEvent.TaskEvent(task: key.task, mapIndex: key.mapIndex, attempt: attempt, state: state, time: time,
                                           exitCode: exitCode, outputs: outputs.map { masker.mask($0) }, message: maskedMessage,
                                           cacheHit: cacheHit ?? (state.isTerminal && attempt > 0 ? false : nil), log: log,
                                           logBytes: logBytes, retryInMilliseconds: retryIn, cacheKey: cacheKey, checks: checks.map { masker.mask($0) })
        // An attempt's end carries its duration: the work a crash of the machine would make `--resume` redo.
        appendJournal(event, work: duration ?? 0)
        guard let observer = services.observer, observer.wantsInstanceChanges else { return }
        observer.instanceChanged(InstanceChange(
            runID: runID, pipeline: plan.pipeline, depth: options.depth, key: key, attempt: attempt, state: state, time: time,
            message: maskedMessage, exitCode: exitCode,
            // An attempt that wrote nothing has no log to show (its file went on to another attempt).
            log: logBytes == 0 ? nil : log.map { directory.path + "/" + $0 }, retryInMilliseconds: retryIn,
            duration: duration, label: ref.mapIndex.flatMap { i in labels[ref.task].flatMap { i < $0.count ? $0[i] : nil } }))
    }

    /// Something is about to happen that `--resume` could not simply redo (a
    /// process starts): from here on the journal is synced, and `plan.json` and
    /// `tasks.arrow` are written durably. Until then (every instance cached,
    /// skipped or settled without an attempt) nothing is synced: after a crash
    /// of the machine `--resume`, or a new run, makes the same decisions again
    /// from the cache, whose entries are not synced either (docs/executor.md
    /// "What each fsync protects").
    func requireDurability() {
        guard !durabilityRequired else { return }
        durabilityRequired = true
        journal.startSyncing()
        planWriter?.startSyncing()
    }

    func appendJournal(_ event: JournalEvent) {
        if case .task(let e) = event { return appendJournal(e) }
        record.apply(event)
        event.withLine(writingInto: &journalLineWriter) { line in journalLinesWaitForTheStarts ? journal.queue(line) : journal.append(line) }
    }

    /// `appendJournal` of a task event (three a task), not wrapped in a
    /// `JournalEvent` that the record and the line writer unwrap again: each
    /// unwrapping copied the event (a retain and a release of each string).
    /// `work`: microseconds the attempt whose end `e` records ran, for the journal's group commit.
    func appendJournal(_ e: JournalEvent.TaskEvent, work: Int64 = 0) {
        record.apply(e)
        journalLineWriter.withLine(of: e) { line in
            journalLinesWaitForTheStarts ? journal.queue(line, work: work) : journal.append(line, work: work)
        }
    }

    /// Writes the lines `startReadyInstances` queued and no start wrote. A
    /// failed write is kept by the journal and stops the run at the next
    /// start or at the end, as a failed `append` did.
    func writeQueuedJournalLines() {
        try? journal?.flush()
    }
}

/// Writes `plan.json` (compact) on its own thread: encoding a large plan and
/// syncing it costs milliseconds the first tasks need not wait for. Then, for
/// a new run, the workspace's `.sluice/.gitignore` if it has none yet
/// (`RunStore.ignoreRecords`: its two fsyncs cost a fresh workspace's first
/// run about 5 ms, which the first task need not wait for either). `wait()`
/// joins it before the run ends. A secret's value given as a `--param` is
/// stored masked: `--resume` asks for it again (docs/executor.md "Resuming a run").
/// The encoded file is committed (renamed into place) once the executor says
/// whether it must be durable: with fsync once a process has started
/// (`startSyncing`), without when the run ends having started none (`wait`).
final class PlanRecordWriter: @unchecked Sendable {
    private let done = NSCondition()
    private var finished = false
    private var problem: String?
    /// Nil until the executor decides; then whether the file is synced.
    private var durable: Bool?

    init(plan: Plan, in directory: RecordDirectory, masker: SecretMasker, ignoringRecordsOf store: RunStore? = nil) {
        var masked = plan
        masked.params = masker.mask(plan.params)
        let recorded = masked
        let thread = Thread { [self] in
            SystemCalls.keepChildSignalsOffThisThread()
            var failure: String?
            do {
                try PlanRecordWriter.write(recorded, to: directory.pinned(RunStore.Layout.plan), durable: { [self] in decision() })
            } catch {
                failure = directory.readable(writeFailure(directory.path + "/" + RunStore.Layout.plan, error))
            }
            // After plan.json, whose sync `--resume` needs first.
            store?.ignoreRecords()
            done.lock()
            problem = failure
            finished = true
            done.broadcast()
            done.unlock()
        }
        thread.name = "sluice-plan-record"
        thread.start()
    }

    /// A piece at a time, so memory does not grow with the plan: the whole
    /// plan as one JSON tree and text costs several times the plan itself
    /// (30 MB at 10,000 tasks). Same content as `plan.encoded()`, compact,
    /// written from the plan into bytes (building a tree per task cost more
    /// than the rest of a fully cached re-run's records together).
    static func write(_ plan: Plan, to path: String, durable: () -> Bool = { true }) throws {
        try AtomicFile.withWriter(to: path, durable: durable) { writer in
            try plan.writeCompactUTF8 { bytes in try bytes.withUnsafeBytes { try writer.write($0) } }
        }
    }

    /// The file is to be synced (a process has started).
    func startSyncing() {
        done.lock()
        if durable == nil { durable = true }
        done.broadcast()
        done.unlock()
    }

    /// Blocks until the executor has said whether the file is synced.
    private func decision() -> Bool {
        done.lock()
        defer { done.unlock() }
        while durable == nil { done.wait() }
        return durable ?? true
    }

    /// Blocks until the file is written, synced only if `durable` (or if
    /// `startSyncing` came first); returns what went wrong, if anything.
    func wait(durable: Bool) -> String? {
        done.lock()
        defer { done.unlock() }
        if self.durable == nil { self.durable = durable }
        done.broadcast()
        while !finished { done.wait() }
        return problem
    }
}
