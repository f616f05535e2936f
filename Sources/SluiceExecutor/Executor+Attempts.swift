import Foundation
import SluicePlan

/// One attempt in flight: a process, or a child run for a trigger task.
struct ActiveAttempt {
    var attempt: Int
    var start: Int64
    var handle: ProcessHandle?
    var log: String?
    var stagingPrefix: String
    var relativePrefix = ""
    var exit: ProcessStatus?
    /// The timeout fired: SIGTERM went to the group.
    var timedOut = false
    /// SIGTERM went to the group (a timeout, stragglers after the leader
    /// exited, or cancellation); SIGKILL follows after the grace period.
    var terminating = false
    var killed = false
    var lingerDelay: Int64 = 5_000_000
    /// When the process was reaped (the attempt's recorded end).
    var end: Int64?
    var child: Executor?
    var childOutcome: (PipelineRunState, String?)?
}

/// A process ready to start, its `running` line journaled but maybe not yet on disk.
struct PendingStart {
    var ref: InstanceRef
    var state: ActiveAttempt
    var request: ProcessRequest
    var timeoutMilliseconds: Int64?
}

extension Executor {
    func launch(_ ref: InstanceRef) {
        if let kept = restored.removeValue(forKey: ref) {
            restore(ref, kept)
            return
        }
        // The cache is asked once per run, before the first attempt; retries just run.
        if (tries[ref] ?? 0) == (attemptBase[ref] ?? 0) {
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
        let attempt = (tries[ref] ?? 0) + 1
        tries[ref] = attempt
        let task = graph.tasks[ref.task]
        switch task.kind {
        case .empty:
            let key = recordSuccess(ref, [:], end: clock.now())
            emit(ref, attempt: attempt, state: .success, outputs: nil, duration: 0, cacheKey: key)
            handle(scheduler.finish(ref, .success))
        case .trigger:
            startChildRun(ref, attempt: attempt)
        case .command:
            startProcess(ref, attempt: attempt, task: task)
        }
    }

    private func startProcess(_ ref: InstanceRef, attempt: Int, task: PlanTask) {
        let key = key(ref)
        let logName = RunDirectory.logName(key, attempt: attempt)
        let prefix = directory.stagingPrefix(key, attempt: attempt)
        let start = clock.now()
        emit(ref, attempt: attempt, state: .running, log: logName, time: start)
        // The task gets `prefix` (the path it can see); the executor reads through its own staging descriptor.
        let namePrefix = RunDirectory.stagingNamePrefix(key, attempt: attempt)
        var state = ActiveAttempt(attempt: attempt, start: start, log: logName, stagingPrefix: records.staging.pinned(namePrefix))
        state.relativePrefix = namePrefix
        if let replaced = records.replacedDirectory() {
            conclude(ref, state, outcome: .failure("\(replaced) is no longer the directory sluice made (a task replaced or moved it): "
                                                   + "the attempt does not start", exitCode: nil, retry: false))
            return
        }
        let request: ProcessRequest
        do {
            request = try processRequest(ref, key: key, attempt: attempt, task: task, logPath: logName, prefix: prefix)
        } catch {
            // Rendering is deterministic: a retry would fail the same way.
            conclude(ref, state, outcome: .failure(error.message, exitCode: nil, retry: false))
            return
        }
        pendingStarts.append(PendingStart(ref: ref, state: state, request: request, timeoutMilliseconds: task.timeoutMilliseconds))
    }

    /// Starts the processes `launch` prepared once their `running` lines are
    /// on disk (one sync covers them all): no task runs without a journaled
    /// start, so after a crash or a full disk the journal knows every process
    /// that may have run. If the journal cannot be written, none starts.
    func startPending() {
        guard !pendingStarts.isEmpty else { return }
        let starts = pendingStarts
        pendingStarts.removeAll()
        let journaled = journalIsDurable()
        for start in starts {
            guard journaled else {
                conclude(start.ref, start.state, outcome: .failure("not started: the journal cannot be written", exitCode: nil, retry: false),
                         interrupted: true)
                continue
            }
            spawn(start)
        }
    }

    private func spawn(_ start: PendingStart) {
        var state = start.state
        do {
            let handle = try runner.start(start.request)
            state.handle = handle
            byHandle[handle.id] = start.ref
        } catch {
            conclude(start.ref, state, outcome: .failure(error.description, exitCode: nil, retry: true))
            return
        }
        active[start.ref] = state
        if let timeout = start.timeoutMilliseconds, timeout > 0 {
            timers.push(Timer(deadline: clock.mono() + timeout * 1_000_000, kind: .timeout, ref: start.ref, attempt: state.attempt))
        }
    }

    /// Waits until everything journaled so far is on disk. When the journal
    /// cannot be written (a full disk), the run stops as on Ctrl-C: nothing
    /// new starts, running tasks are stopped (their ends could not be
    /// recorded), and `finish()` fails with the journal's error.
    func journalIsDurable() -> Bool {
        guard journalFailure == nil else { return false }
        do {
            try journal.waitUntilDurable()
            return true
        } catch {
            journalFailure = error.message
            beginCancel()
            return false
        }
    }

    // Internal, with `context`, for SingleAttempt (sluice task-run): it passes the values it was handed.
    func processRequest(_ ref: InstanceRef, key: InstanceKey, attempt: Int, task: PlanTask, logPath: String,
                        prefix: String, context given: RenderContext? = nil) throws(RenderError) -> ProcessRequest {
        let context = given ?? renderContext(ref)
        guard let template = task.run else { throw RenderError("task \"\(task.id)\" has no run") }
        let command = try TemplateRenderer.shellCommand(template, context)
        var taskEnv: [(String, String)] = []
        for variable in task.env { taskEnv.append((variable.name, try TemplateRenderer.plainText(variable.value, context))) }
        var environment = baseEnvironment
        var path = basePath
        if !taskEnv.isEmpty {
            let names = Set(taskEnv.map(\.0))
            environment.removeAll { entry in entry.split(separator: "=", maxSplits: 1).first.map { names.contains(String($0)) } ?? false }
            for (name, value) in taskEnv where name != "PATH" { environment.append("\(name)=\(value)") }
            if let custom = taskEnv.last(where: { $0.0 == "PATH" })?.1 {
                path = (options.toolDirectory.map { $0 + ":" } ?? "") + custom
            }
        }
        environment.append("PATH=" + path)
        environment.append("SLUICE_RUN_ID=" + runID)
        environment.append("SLUICE_TASK=" + task.id)
        environment.append("SLUICE_MAP_INDEX=" + (ref.mapIndex.map(String.init) ?? ""))
        environment.append("SLUICE_TRY=\(attempt)")
        environment.append("SLUICE_WORKSPACE=" + workspace)
        // A mapped instance's item as compact JSON (escaped, so never a raw NUL), for scripts (`sluice_task.item()`).
        if let item = context.item { environment.append("SLUICE_ITEM=" + item.compact()) }
        for (name, value) in OutputCollector.stagingVariables(task, prefix: prefix) { environment.append(name + "=" + value) }
        // `logs/NAME` as journaled; opened in the logs directory the executor holds.
        return ProcessRequest(command: command, environment: environment, workingDirectory: workspace,
                              logPath: (logPath as NSString).lastPathComponent, logDirectory: records.logs.fd, masker: masker)
    }

    func renderContext(_ ref: InstanceRef) -> RenderContext {
        let item = ref.mapIndex.flatMap { index in items[ref.task].flatMap { index < $0.count ? $0[index] : nil } }
        return RenderContext(params: plan.params, runID: runID, runDate: runDate, item: item, index: ref.mapIndex,
                             output: { [unowned self] reference throws(RenderError) in try self.resolveOutput(reference) })
    }

    // MARK: - Exits and timers

    /// Notes an exit. Returns the instance when its whole group is gone (the
    /// caller finalizes it after starting what the freed slot allows).
    func processExited(_ exit: ProcessExit) -> InstanceRef? {
        guard let ref = byHandle[exit.handle.id], var state = active[ref] else { return nil }
        state.exit = exit.status
        if state.killed || !runner.groupAlive(exit.handle) {
            state.end = clock.now()
            active[ref] = state
            scheduler.releaseSlot(ref)
            return ref
        }
        active[ref] = state
        // The leader is gone but something it started lives on: no process of
        // a task may outlive it, so the group gets SIGTERM, then SIGKILL.
        terminate(ref)
        timers.push(Timer(deadline: clock.mono() + state.lingerDelay, kind: .linger, ref: ref, attempt: state.attempt))
        return nil
    }

    /// SIGTERM to the attempt's group now, SIGKILL after the grace period.
    func terminate(_ ref: InstanceRef) {
        guard var state = active[ref], !state.terminating else { return }
        state.terminating = true
        active[ref] = state
        if let child = state.child { child.cancel(); return }
        guard let handle = state.handle else { return }
        runner.signalGroup(handle, SIGTERM)
        timers.push(Timer(deadline: clock.mono() + options.killGraceNanoseconds, kind: .kill, ref: ref, attempt: state.attempt))
    }

    func fireTimers() {
        let now = clock.mono()
        while let timer = timers.first, timer.deadline <= now {
            _ = timers.pop()
            fire(timer)
        }
    }

    private func fire(_ timer: Timer) {
        if timer.kind == .retry {
            guard tries[timer.ref] == timer.attempt, !scheduler.stopped else { return }
            handle(scheduler.requeue(timer.ref))
            return
        }
        guard var state = active[timer.ref], state.attempt == timer.attempt else { return }
        switch timer.kind {
        case .timeout:
            guard state.exit == nil || state.child != nil, state.childOutcome == nil else { return }
            state.timedOut = true
            active[timer.ref] = state
            terminate(timer.ref)
        case .kill:
            guard let handle = state.handle, !state.killed else { return }
            state.killed = true
            active[timer.ref] = state
            runner.signalGroup(handle, SIGKILL)
            if state.exit != nil { finalize(timer.ref) }
        case .linger:
            guard let handle = state.handle, state.exit != nil else { return }
            if !runner.groupAlive(handle) {
                finalize(timer.ref)
            } else {
                state.lingerDelay = min(state.lingerDelay * 2, 200_000_000)
                active[timer.ref] = state
                timers.push(Timer(deadline: clock.mono() + state.lingerDelay, kind: .linger, ref: timer.ref, attempt: state.attempt))
            }
        case .retry:
            break
        }
    }
}
