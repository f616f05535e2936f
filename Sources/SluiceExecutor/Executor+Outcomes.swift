import Foundation
import SluicePlan

/// Judging a finished attempt: outputs, branch choices, retries.
extension Executor {
    // MARK: - Outcomes

    enum Outcome {
        case success([String: JSON])
        case failure(String, exitCode: Int32?, retry: Bool)
    }

    /// The process and its group are gone: judge the attempt.
    func finalize(_ ref: InstanceRef) {
        guard let state = active.removeValue(forKey: ref) else { return }
        if let handle = state.handle {
            byHandle[handle.id] = nil
            runner.release(handle)
        }
        let task = graph.tasks[ref.task]
        let collector = OutputCollector(task: task, key: key(ref), stagingPrefix: state.stagingPrefix,
                                        relativePrefix: state.relativePrefix, runDirectory: records.staging.fd,
                                        records: records, workspace: workspace, masker: masker)
        let outcome: Outcome
        switch state.exit {
        case _ where cancelling:
            collector.removeStaging()
            conclude(ref, state, outcome: .failure("interrupted", exitCode: state.exit.flatMap(Self.exitCode), retry: false), interrupted: true)
            return
        case _ where state.timedOut:
            let limit = Duration.milliseconds(task.timeoutMilliseconds ?? 0)
            outcome = .failure("timed out after \(Self.describe(limit)) (\(state.killed ? "SIGKILL" : "SIGTERM") to its process group)",
                               exitCode: state.exit.flatMap(Self.exitCode), retry: true)
            collector.removeStaging()
        case .exited(0)?:
            do { outcome = .success(try collector.collect()) } catch {
                collector.removeStaging()
                outcome = .failure(error.message, exitCode: 0, retry: true)
            }
        case .exited(let code)?:
            collector.removeStaging()
            outcome = .failure("exit code \(code)", exitCode: code, retry: true)
        case .signaled(let signal)?:
            collector.removeStaging()
            outcome = .failure("killed by signal \(signal)\(Self.signalName(signal).map { " (\($0))" } ?? "")", exitCode: nil, retry: true)
        case nil:
            collector.removeStaging()
            outcome = .failure("the process was lost", exitCode: nil, retry: true)
        }
        conclude(ref, state, outcome: outcome, checks: collector.checkLog.json)
    }

    /// Journals the attempt's end and moves the instance on: success, a retry, or failure.
    func conclude(_ ref: InstanceRef, _ state: ActiveAttempt, outcome: Outcome, interrupted: Bool = false, checks: JSON? = nil) {
        let end = state.end ?? clock.now()
        let duration = end - state.start
        let task = graph.tasks[ref.task]
        switch outcome {
        case .success(let values):
            if task.branch != nil, let problem = applyBranch(ref, values) {
                conclude(ref, state, outcome: .failure(problem, exitCode: 0, retry: false), checks: checks)
                return
            }
            outputs[ref] = values
            let cacheKey = recordSuccess(ref, values, end: end)
            emit(ref, attempt: state.attempt, state: .success, exitCode: state.exit.flatMap(Self.exitCode), outputs: orderedOutputs(task, values),
                 log: state.log, duration: duration, time: end, cacheKey: cacheKey, checks: checks)
            handle(scheduler.finish(ref, .success))
        case .failure(let message, let exitCode, let retryable):
            if interrupted {
                emit(ref, attempt: state.attempt, state: .interrupted, message: message, exitCode: exitCode, log: state.log,
                     duration: duration, time: end)
                handle(scheduler.finish(ref, .interrupted))
                return
            }
            // After a resume, retries count from the attempts made before it.
            let triesThisRun = state.attempt - (attemptBase[ref] ?? 0)
            if retryable, triesThisRun <= task.retries, !scheduler.stopped {
                let delay = Self.retryDelay(task, failedAttempt: triesThisRun)
                emit(ref, attempt: state.attempt, state: .failed, message: message, exitCode: exitCode, log: state.log,
                     retryIn: delay, duration: duration, time: end, checks: checks)
                scheduler.retryLater(ref)
                timers.push(Timer(deadline: clock.mono() + delay * 1_000_000, kind: .retry, ref: ref, attempt: state.attempt))
                return
            }
            emit(ref, attempt: state.attempt, state: .failed, message: message, exitCode: exitCode, log: state.log,
                 duration: duration, time: end, checks: checks)
            handle(scheduler.finish(ref, .failed))
            if options.failFast && !failFastTriggered {
                failFastTriggered = true
                scheduler.stopStarting()
            }
        }
    }

    /// Checks and records a branch task's choice; returns a problem to fail the attempt with.
    func applyBranch(_ ref: InstanceRef, _ values: [String: JSON]) -> String? {  // internal: SingleAttempt reuses it
        let task = graph.tasks[ref.task]
        guard let allowed = task.branch else { return nil }
        var value = values[OutputsFile.branchOutput] ?? .null
        if case .string(let text) = value, text.hasPrefix("["), let list = try? JSON.parse(text) { value = list }
        let choices: [String]
        switch value {
        case .string(let choice): choices = [choice]
        case .array(let list) where list.allSatisfy({ $0.stringValue != nil }): choices = list.compactMap(\.stringValue)
        default: return "output \"branch\" must be one choice or a JSON list of choices, not \(masker.quoted(value))"
        }
        var indexes = Set<Int>()
        for choice in choices {
            guard allowed.contains(choice), let index = graph.index[choice] else {
                return "branch chose \(masker.quoted(choice)), which is not one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", "))"
            }
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

    static func exitCode(_ status: ProcessStatus) -> Int32? {
        if case .exited(let code) = status { return code }
        return nil
    }

    static func signalName(_ signal: Int32) -> String? {
        [SIGTERM: "SIGTERM", SIGKILL: "SIGKILL", SIGINT: "SIGINT", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGPIPE: "SIGPIPE",
         SIGHUP: "SIGHUP", SIGBUS: "SIGBUS", SIGQUIT: "SIGQUIT"][signal]
    }

    static func describe(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}
