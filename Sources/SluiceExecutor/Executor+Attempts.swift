import Foundation
import SluicePlan

/// One attempt in flight: a command task's process (`AttemptRunner`), or a
/// child run for a trigger task.
struct ActiveAttempt {
    var attempt: Int
    var start: Int64
    /// The log file the attempt writes, relative to the run directory (an earlier attempt's name while it runs, when it took that one's empty file).
    var log: String?
    /// Held from start to end; the end turns it into `log` and `logBytes` (`AttemptLogFiles.settle`).
    var logFile: AttemptLogFiles.File?
    /// How many bytes of `log` the attempt wrote, once it ended (nil: unknown, read to the end).
    var logBytes: Int?
    /// A command task's attempt, from its rendered command to its outcome.
    var process: AttemptRunner?
    /// The deadline of the loop's pending timer for `process`; a timer at any other time is stale.
    var wakeAt: Int64?
    // A trigger task's child run.
    var child: Executor?
    var childOutcome: (PipelineRunState, String?)?
    /// The trigger task's timeout fired: the child run was asked to stop.
    var timedOut = false
    var terminating = false

    var exitCode: Int32? { process?.exitCode }
}

/// What `Executor.replacedRecordDirectory` found for the starts being prepared.
struct RecordCheck {
    /// The directory a task replaced, or nil when all are still sluice's.
    var replaced: String?
}

/// A process ready to start, its `running` line journaled but maybe not yet on disk.
struct PendingStart {
    var ref: InstanceRef
    var state: ActiveAttempt
}

extension Executor {
    func launch(_ ref: InstanceRef) {
        // The maps and sets below are empty in most runs (no resume, no shared pool):
        // asked only when they hold something, a lookup's hashing is spared per instance.
        if !restored.isEmpty, let kept = restored.removeValue(forKey: ref) {
            restore(ref, kept)
            return
        }
        if !loggedTries.isEmpty, let logged = loggedTries.removeValue(forKey: key(ref).fileStem), logged > (tries[ref] ?? 0) {
            tries[ref] = logged
            attemptBase[ref] = logged
        }
        // The cache is asked once per run, before the first attempt; retries just run
        // (and so does an instance that already asked and then waited for a shared pool slot).
        let triedBefore = tries[ref] ?? 0
        if slotDeferred.isEmpty || slotDeferred.remove(ref) == nil, triedBefore == (attemptBase.isEmpty ? 0 : attemptBase[ref] ?? 0) {
            switch cacheDecision(ref) {
            case .hit(let manifest, let key):
                if applyHit(ref, manifest, key) { return }
                pendingKeys[ref] = key
                if options.cache.explain { explanations.append((ref, "ran: the cached outputs could not be linked into this run")) }
            case .run(let key, let why):
                pendingKeys[ref] = key
                if options.cache.explain { explanations.append((ref, why)) }
            }
        }
        // Read in place, not copied: only the attempt's runner keeps the task (`startProcess`).
        let kind = graph.tasks[ref.task].kind
        var slotProblem: String?
        if kind == .command, let pool = graph.poolOf[ref.task] {
            switch takeSharedSlot(ref, pool: pool) {
            case .held: break
            case .waiting: return
            case .refused(let problem): slotProblem = problem
            }
        }
        let attempt = triedBefore + 1
        tries[ref] = attempt
        switch kind {
        case .empty:
            let key = recordSuccess(ref, [:], end: clock.now())
            emit(ref, attempt: attempt, state: .success, outputs: nil, duration: 0, cacheKey: key)
            // Its cache entry is handed to the publisher: its line goes into the
            // file now, as an attempt's end does (`startReadyInstances`).
            writeQueuedJournalLines()
            handle(scheduler.finish(ref, .success))
        case .trigger:
            startChildRun(ref, attempt: attempt)
        case .command:
            startProcess(ref, attempt: attempt, slotProblem: slotProblem)
        }
    }

    private func startProcess(_ ref: InstanceRef, attempt: Int, slotProblem: String?) {
        // The command this instance's key rendered just before, with the same values: not rendered again.
        let renderedCommand = keyRenderedCommand?.ref == ref ? keyRenderedCommand?.command : nil
        keyRenderedCommand = nil
        let process = AttemptRunner(AttemptRunner.Setup(task: graph.tasks[ref.task], key: key(ref), attempt: attempt, runID: runID, workspace: workspace,
                                                        environment: taskEnvironment, records: records,
                                                        killGraceNanoseconds: options.killGraceNanoseconds, runSpots: runSpots(ref.task),
                                                        renderedCommand: renderedCommand),
                                    clock: clock.clock)
        let start = clock.now()
        if logFiles == nil { logFiles = AttemptLogFiles(directory: records.logs) }
        let logFile = logFiles?.take(for: process.logName)
        process.logDescriptor = logFile?.descriptor
        let log = logFile?.name ?? process.logName
        emit(ref, attempt: attempt, state: .running, log: log, time: start)
        var state = ActiveAttempt(attempt: attempt, start: start, log: log, process: process)
        state.logFile = logFile
        if let slotProblem {
            conclude(ref, state, outcome: .failure(slotProblem + ": the attempt does not start", exitCode: nil, retry: false))
            return
        }
        if let replaced = replacedRecordDirectory() {
            conclude(ref, state, outcome: .failure("\(replaced) is no longer the directory sluice made (a task replaced or moved it): "
                                                   + "the attempt does not start", exitCode: nil, retry: false))
            return
        }
        if let failed = process.prepare(renderContext(ref)) {
            conclude(ref, state, outcome: failed)
            return
        }
        pendingStarts.append(PendingStart(ref: ref, state: state))
    }

    /// Starts the processes `launch` prepared once their `running` lines are
    /// in the journal file (one write covers them all), not waiting for the
    /// sync that makes them durable: no task runs without a journaled start
    /// as long as the machine stays up, so after a crash of sluice or a full
    /// disk the journal knows every process that may have run. A crash of the
    /// machine can lose the lines of the last group commit; `--resume` then
    /// runs those instances again, as it would anyway (they have no end), and
    /// numbers their tries past any log the lost attempts left. If the journal
    /// cannot be written, none starts.
    func startPending() {
        recordCheckOfTheseStarts = nil
        guard !pendingStarts.isEmpty else { return }
        var starts: [PendingStart] = []
        swap(&starts, &pendingStarts)
        let journaled = journalIsWritten()
        if journaled { requireDurability() }
        for start in starts {
            guard journaled else {
                conclude(start.ref, start.state, outcome: .interrupted("not started: the journal cannot be written", exitCode: nil))
                continue
            }
            spawn(start)
        }
        // The storage goes back for the next batch, not grown anew from empty for each.
        starts.removeAll(keepingCapacity: true)
        if pendingStarts.isEmpty { pendingStarts = starts }
    }

    private func spawn(_ start: PendingStart) {
        guard let process = start.state.process else { return }
        if let failed = process.start(on: runner) {
            conclude(start.ref, start.state, outcome: failed)
            return
        }
        if let handle = process.handle { byHandle[handle.id] = start.ref }
        // Its wake scheduled before it goes into `active`, not read back out of it and stored again.
        var state = start.state
        scheduleWake(start.ref, &state)
        active[start.ref] = state
    }

    /// A record directory a task replaced or moved (`RecordDirectory.replacedDirectory`),
    /// checked once for the starts `startPending` makes together (two `fstatat`s
    /// a check): the check is as recent for each of them as a check per start
    /// was for the first one, which waited for the others' preparation too.
    func replacedRecordDirectory() -> String? {
        if let checked = recordCheckOfTheseStarts { return checked.replaced }
        let replaced = records.replacedDirectory()
        recordCheckOfTheseStarts = RecordCheck(replaced: replaced)
        return replaced
    }

    /// Writes everything journaled so far into the file (`JournalWriter.flush`),
    /// failing as `journalIsDurable` does.
    func journalIsWritten() -> Bool {
        guard journalFailure == nil else { return false }
        do {
            try journal.flush()
            return true
        } catch {
            journalFailure = error.message
            beginCancel()
            return false
        }
    }

    /// Waits until everything journaled so far is on disk. When the journal
    /// cannot be written (a full disk), the run stops as on Ctrl-C: nothing
    /// new starts, running tasks are stopped (their ends could not be
    /// recorded), and `finish()` fails with the journal's error.
    func journalIsDurable() -> Bool {
        guard journalFailure == nil else { return false }
        requireDurability()  // a child run is about to start: this run's records are owed syncs from here on
        do {
            try journal.waitUntilDurable()
            return true
        } catch {
            journalFailure = error.message
            beginCancel()
            return false
        }
    }

    /// The shell spots of a task's `run` (`TemplateRenderer.shellSpots`),
    /// judged on first use: they depend on the command's text alone, which
    /// every instance and attempt of the task share, and judging them cost
    /// about as much as rendering the command (once for the cache key, once
    /// for the attempt).
    func runSpots(_ task: Int) -> [ShellSpot] {
        if judgedRunSpots.isEmpty { judgedRunSpots = Array(repeating: nil, count: graph.tasks.count) }
        if let spots = judgedRunSpots[task] { return spots }
        let spots = graph.tasks[task].run.map(TemplateRenderer.shellSpots) ?? []
        judgedRunSpots[task] = spots
        return spots
    }

    /// The environment every task starts from (`TaskEnvironment`): read once, before the run directory exists.
    func prepareEnvironment() throws(ExecutorError) {
        taskEnvironment = try TaskEnvironment(plan: plan, workspace: workspace, inheriting: options.environment,
                                              toolDirectory: options.toolDirectory)
    }

    /// Masks the secrets' values in everything the run records or shows.
    var masker: SecretMasker { taskEnvironment.masker }
    /// Secrets the plan names that have no value anywhere.
    var unsetSecrets: [String] { taskEnvironment.unsetSecrets }

    func renderContext(_ ref: InstanceRef) -> RenderContext {
        let item = ref.mapIndex.flatMap { index in items[ref.task].flatMap { index < $0.count ? $0[index] : nil } }
        var context = RenderContext(params: plan.params, runID: runID, runDate: runDate, item: item, index: ref.mapIndex,
                                    output: { [unowned self] reference throws(RenderError) in try self.resolveOutput(reference) })
        context.instance = InstanceKey.name(key(ref), label: ref.mapIndex.flatMap { i in labels[ref.task].flatMap { i < $0.count ? $0[i] : nil } })
        return context
    }

    /// What a label may read while its task expands: the item, the index,
    /// params and the run (lint refuses task outputs in a label).
    func labelContext(_ item: JSON, index: Int) -> RenderContext {
        RenderContext(params: plan.params, runID: runID, runDate: runDate, item: item, index: index,
                      output: { reference throws(RenderError) in throw RenderError("a label cannot read \(reference.task).\(reference.output)") })
    }

    // MARK: - Exits and timers

    /// Notes an exit. Returns the instance and the time it ended (its process
    /// reaped) when its whole group is gone: the caller finalizes it with that
    /// end after starting what the freed slot allows. The time goes to the
    /// caller rather than into the attempt's state, which was copied out of
    /// `active` and stored back for it.
    func processExited(_ exit: ProcessExit) -> (ref: InstanceRef, end: Int64)? {
        // The attempt's runner read at its index, the attempt not copied out of `active`.
        guard let ref = byHandle[exit.handle.id], let found = active.index(forKey: ref), let process = active.values[found].process else { return nil }
        guard process.processExited(exit.status) == .ended else {
            scheduleWake(ref)
            return nil
        }
        let end = clock.now()
        scheduler.releaseSlot(ref)
        releaseSharedSlot(ref)
        return (ref, end)
    }

    /// SIGTERM to the attempt's group now, SIGKILL after the grace period (a child run: asked to stop).
    func terminate(_ ref: InstanceRef) {
        guard var state = active[ref] else { return }
        if let process = state.process {
            process.stop()
            scheduleWake(ref)
            return
        }
        guard !state.terminating else { return }
        state.terminating = true
        active[ref] = state
        state.child?.cancel()
    }

    /// Keeps one timer of the loop at the attempt's next deadline (its timeout, SIGKILL, another look at its group).
    func scheduleWake(_ ref: InstanceRef) {
        guard var state = active[ref], scheduleWake(ref, &state) else { return }
        active[ref] = state
    }

    /// `scheduleWake` for an attempt's state held by the caller; false when its timer stays as it is.
    @discardableResult
    private func scheduleWake(_ ref: InstanceRef, _ state: inout ActiveAttempt) -> Bool {
        guard let deadline = state.process?.nextDeadline else { return false }
        if let pending = state.wakeAt, pending <= deadline { return false }
        state.wakeAt = deadline
        timers.push(Timer(deadline: deadline, kind: .attempt, ref: ref, attempt: state.attempt))
        return true
    }

    func fireTimers() {
        let now = clock.mono()
        while let timer = timers.first, timer.deadline <= now {
            _ = timers.pop()
            fire(timer)
        }
    }

    private func fire(_ timer: Timer) {
        if timer.kind == .poolSlot {
            reopenWaitingPool(timer.ref)
            return
        }
        if timer.kind == .retry {
            guard tries[timer.ref] == timer.attempt, !scheduler.stopped else { return }
            handle(scheduler.requeue(timer.ref))
            return
        }
        guard var state = active[timer.ref], state.attempt == timer.attempt else { return }
        switch timer.kind {
        case .attempt:
            guard let process = state.process, state.wakeAt == timer.deadline else { return }
            state.wakeAt = nil
            active[timer.ref] = state
            if process.tick() == .ended { finalize(timer.ref) } else { scheduleWake(timer.ref) }
        case .childTimeout:
            guard state.childOutcome == nil else { return }
            state.timedOut = true
            active[timer.ref] = state
            terminate(timer.ref)
        case .retry, .poolSlot:
            break
        }
    }
}
