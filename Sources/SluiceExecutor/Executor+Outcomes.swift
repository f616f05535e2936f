import Foundation
import SluicePlan

/// What a finished attempt does to the run: journaled, retried, followed downstream.
extension Executor {
    // MARK: - Outcomes

    /// The process and its group are gone: the attempt judges itself, the run records it.
    /// `end`: when its process was reaped, if the loop saw it (else now).
    func finalize(_ ref: InstanceRef, end: Int64? = nil) {
        // One lookup: the attempt is found, checked and removed at its index.
        guard let found = active.index(forKey: ref), let process = active.values[found].process else { return }
        let state = active.remove(at: found).value
        if let handle = process.handle { byHandle[handle.id] = nil }
        conclude(ref, state, outcome: process.finish(interrupted: cancelling), checks: process.checks, end: end)
    }

    /// Journals the attempt's end and moves the instance on: success, a retry, or failure.
    /// `checks`: the results of its tables' data checks, journaled with the outcome.
    /// `end`: the attempt's recorded end (its process reaped); now when not given.
    func conclude(_ ref: InstanceRef, _ state: ActiveAttempt, outcome: AttemptOutcome, checks: JSON? = nil, end: Int64? = nil) {
        releaseSharedSlot(ref)
        var state = state
        // The runner has released the attempt: its log is complete. An empty file goes on to the next
        // attempt, which starts only after the end emitted below is written into the journal file.
        if let file = state.logFile, let settled = logFiles?.settle(file, ownName: state.process?.logName ?? file.name) {
            state.log = settled.name
            state.logBytes = settled.bytes
            state.logFile = nil
        }
        let end = end ?? clock.now()
        let duration = end - state.start
        // The task read in place: a copy of the `PlanTask` retained and released each of its fields.
        let tasks = graph.tasks
        switch outcome {
        case .success(let values):
            if tasks[ref.task].branch != nil, let problem = applyBranch(ref, values) {
                conclude(ref, state, outcome: .failure(problem, exitCode: 0, retry: false), checks: checks, end: end)
                return
            }
            // Every reader asks `outputs[ref]?[name]`, which finds nothing for an instance without values either way.
            if !values.isEmpty { outputs[ref] = values }
            let cacheKey = recordSuccess(ref, values, end: end)
            // No values, nothing to order (the task is not copied out for `orderedOutputs` to find that).
            let ordered = values.isEmpty ? JSON.object([]) : orderedOutputs(tasks[ref.task], values)
            emit(ref, attempt: state.attempt, state: .success, exitCode: state.exitCode, outputs: ordered,
                 log: state.log, logBytes: state.logBytes, duration: duration, time: end, cacheKey: cacheKey, checks: checks)
            handle(scheduler.finish(ref, .success))
        case .interrupted(let message, let exitCode):
            emit(ref, attempt: state.attempt, state: .interrupted, message: message, exitCode: exitCode, log: state.log, logBytes: state.logBytes,
                 duration: duration, time: end)
            handle(scheduler.finish(ref, .interrupted))
        case .failure(let message, let exitCode, let retryable):
            // After a resume, retries count from the attempts made before it.
            let triesThisRun = state.attempt - (attemptBase[ref] ?? 0)
            if retryable, triesThisRun <= tasks[ref.task].retries, !scheduler.stopped {
                let delay = Self.retryDelay(tasks[ref.task], failedAttempt: triesThisRun)
                emit(ref, attempt: state.attempt, state: .failed, message: message, exitCode: exitCode, log: state.log, logBytes: state.logBytes,
                     retryIn: delay, duration: duration, time: end, checks: checks)
                scheduler.retryLater(ref)
                timers.push(Timer(deadline: clock.mono() + delay * 1_000_000, kind: .retry, ref: ref, attempt: state.attempt))
                return
            }
            emit(ref, attempt: state.attempt, state: .failed, message: message, exitCode: exitCode, log: state.log, logBytes: state.logBytes,
                 duration: duration, time: end, checks: checks)
            handle(scheduler.finish(ref, .failed))
            if options.failFast && !failFastTriggered {
                failFastTriggered = true
                scheduler.stopStarting()
            }
        }
    }

    /// Checks a branch task's choice (`AttemptOutcome.branchChoices`) and
    /// tells the scheduler; returns a problem to fail the attempt with.
    func applyBranch(_ ref: InstanceRef, _ values: [String: JSON]) -> String? {
        let task = graph.tasks[ref.task]
        guard let allowed = task.branch else { return nil }
        let choices: [String]
        switch AttemptOutcome.branchChoices(task, values, masker: masker) {
        case .success(let chosen): choices = chosen
        case .failure(let problem): return problem.message
        }
        var indexes = Set<Int>()
        for choice in choices {
            guard let index = graph.index[choice] else { return BranchProblem(notAChoice: choice, allowed: allowed, masker: masker).message }
            indexes.insert(index)
        }
        scheduler.chooseBranch(task: ref.task, choices: indexes)
        return nil
    }

    /// `retry_delay`, doubled per failed attempt with `exponential`, capped at an hour.
    static func retryDelay(_ task: PlanTask, failedAttempt: Int) -> Int64 {
        let cap: Int64 = 3_600_000
        let base = max(0, task.retryDelayMilliseconds)
        guard task.retryBackoff == .exponential else { return min(base, cap) }
        var delay = base
        for _ in 1..<max(1, failedAttempt) {
            delay *= 2
            if delay >= cap { return cap }
        }
        return min(delay, cap)
    }
}
