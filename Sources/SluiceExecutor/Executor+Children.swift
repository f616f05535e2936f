import Foundation
import SluiceBasics
import SluicePlan

/// Messages into a run's loop from other threads.
enum MailboxMessage: @unchecked Sendable {
    case cancel
    case kill
    case childStarted(InstanceRef, attempt: Int, executor: Executor)
    case childRunID(InstanceRef, attempt: Int, runID: String, pipeline: String, workspace: String, recorded: JournalAck)
    case childFinished(InstanceRef, attempt: Int, state: PipelineRunState, message: String?)
}

/// The parent's answer to a child run that announced its run id: nil once
/// the `child_run` line is on disk (the child may start tasks), else why not.
final class JournalAck: @unchecked Sendable {
    private let condition = NSCondition()
    private var answered = false
    private var problem: String?

    func answer(_ problem: String?) {
        condition.lock()
        self.problem = problem
        answered = true
        condition.broadcast()
        condition.unlock()
    }

    func wait() -> String? {
        condition.lock()
        defer { condition.unlock() }
        while !answered { condition.wait() }
        return problem
    }
}

/// A locked queue plus the runner to wake, so a blocked `wait` returns.
final class Mailbox: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [MailboxMessage] = []
    private weak var runner: (any ProcessRunner)?
    private var pendingWake = false

    func attach(_ runner: any ProcessRunner) {
        lock.lock()
        self.runner = runner
        let wake = pendingWake
        lock.unlock()
        if wake { runner.wake() }
    }

    func post(_ message: MailboxMessage) {
        lock.lock()
        messages.append(message)
        lock.unlock()
    }

    func wake() {
        lock.lock()
        let runner = self.runner
        if runner == nil { pendingWake = true }
        lock.unlock()
        runner?.wake()
    }

    func take() -> [MailboxMessage] {
        lock.lock()
        defer { messages.removeAll(); lock.unlock() }
        return messages
    }
}

extension Executor {
    func drainMailbox() {
        for message in mailbox.take() {
            switch message {
            case .cancel:
                beginCancel()
            case .kill:
                killAll()
            case .childStarted(let ref, let attempt, let child):
                guard var state = active[ref], state.attempt == attempt else { child.cancel(); continue }
                state.child = child
                active[ref] = state
                if state.terminating || cancelling { child.cancel() }
            case .childRunID(let ref, let attempt, let childRunID, let pipeline, let childWorkspace, let recorded):
                guard active[ref]?.attempt == attempt else {
                    recorded.answer("the trigger task's attempt is over")
                    continue
                }
                appendJournal(.childRun(JournalEvent.ChildRun(task: graph.tasks[ref.task].id, mapIndex: ref.mapIndex, childRunID: childRunID,
                                                              time: clock.now(), pipeline: pipeline, workspace: childWorkspace)))
                // On disk before the child starts a task: `--resume` of this run
                // finds the child's leftover processes by this line.
                recorded.answer(journalIsDurable() ? nil : "the parent run's journal cannot be written: \(journalFailure ?? "")")
            case .childFinished(let ref, let attempt, let state, let message):
                guard var attemptState = active[ref], attemptState.attempt == attempt else { continue }
                attemptState.childOutcome = (state, message)
                active[ref] = attemptState
                finishChild(ref)
            }
        }
    }

    /// Ctrl-C (issue 7 wires the signal) and a trigger task's timeout use
    /// this: stop starting, SIGTERM every running group, SIGKILL after the grace.
    /// A second Ctrl-C: SIGKILL every running group now, without the grace.
    func killAll() {
        beginCancel()
        guard !killing else { return }
        killing = true
        for state in active.values {
            if let child = state.child { child.kill(); continue }
            state.process?.killNow()
        }
    }

    func beginCancel() {
        guard !cancelling else { return }
        cancelling = true
        scheduler.stopStarting()
        for ref in Array(active.keys) { terminate(ref) }
    }

    /// Starts the triggered pipeline on its own thread, in its own workspace,
    /// with its own runner; its journal records this run as its parent.
    func startChildRun(_ ref: InstanceRef, attempt: Int) {
        let task = graph.tasks[ref.task]
        let start = clock.now()
        emit(ref, attempt: attempt, state: .running, time: start)
        let state = ActiveAttempt(attempt: attempt, start: start)
        guard journalIsDurable() else {
            conclude(ref, state, outcome: .interrupted("not started: the journal cannot be written", exitCode: nil))
            return
        }
        guard let trigger = task.trigger else {
            conclude(ref, state, outcome: .failure("trigger task has no pipeline", exitCode: nil, retry: false))
            return
        }
        guard options.depth < options.maxTriggerDepth else {
            conclude(ref, state, outcome: .failure("child runs nest deeper than \(options.maxTriggerDepth): do pipelines trigger each other?",
                                                   exitCode: nil, retry: false))
            return
        }
        // Rendered as `env` values are (plain text), then typed by the child's params as `--param` types its value.
        var overrides: [ParamOverride] = []
        if !trigger.params.isEmpty {
            let context = renderContext(ref)
            for param in trigger.params {
                let text: String
                do { text = try TemplateRenderer.plainText(param.value, context) } catch {
                    conclude(ref, state, outcome: .failure("trigger param \"\(param.path)\": \(error.message)", exitCode: nil, retry: false))
                    return
                }
                overrides.append(ParamOverride(path: param.path.split(separator: ".", omittingEmptySubsequences: false).map(String.init),
                                               text: text, origin: "trigger param"))
            }
        }
        active[ref] = state
        if let timeout = task.timeoutMilliseconds, timeout > 0 {
            timers.push(Timer(deadline: clock.mono() + timeout * 1_000_000, kind: .childTimeout, ref: ref, attempt: attempt))
        }
        let specPath = trigger.spec.hasPrefix("/") ? trigger.spec : workspace + "/" + trigger.spec
        var childOptions = RunOptions(environment: options.environment, toolDirectory: options.toolDirectory)
        childOptions.parentRunID = runID
        childOptions.killGraceNanoseconds = options.killGraceNanoseconds
        childOptions.maxTriggerDepth = options.maxTriggerDepth
        childOptions.cache.enabled = options.cache.enabled
        childOptions.cache.forceAll = options.cache.forceAll
        childOptions.depth = options.depth + 1
        let services = self.services
        let mailbox = self.mailbox
        let frozenOptions = childOptions
        let expected = trigger.pipeline
        let params = overrides
        let thread = Thread {
            let (runState, message) = Executor.runChild(specPath: specPath, expected: expected, params: params, options: frozenOptions,
                                                        services: services) { child in
                mailbox.post(.childStarted(ref, attempt: attempt, executor: child))
                mailbox.wake()
            } onRunID: { id, pipeline, workspace throws(ExecutorError) in
                let recorded = JournalAck()
                mailbox.post(.childRunID(ref, attempt: attempt, runID: id, pipeline: pipeline, workspace: workspace, recorded: recorded))
                mailbox.wake()
                if let problem = recorded.wait() { throw ExecutorError(problem) }
            }
            mailbox.post(.childFinished(ref, attempt: attempt, state: runState, message: message))
            mailbox.wake()
        }
        thread.name = "sluice-child-\(task.id)"
        thread.stackSize = 8 << 20
        thread.start()
    }

    private static func runChild(specPath: String, expected: String, params: [ParamOverride], options: RunOptions, services: RunServices,
                                 onExecutor: (Executor) -> Void,
                                 onRunID: @escaping @Sendable (String, String, String) throws(ExecutorError) -> Void) -> (PipelineRunState, String?) {
        var plan: Plan
        do { plan = try services.loadChildPlan(specPath) } catch {
            return (.failed, "cannot build the plan of \(specPath): \(error)")
        }
        guard plan.pipeline == expected else {
            return (.failed, "\(specPath) holds pipeline \"\(plan.pipeline)\", not \"\(expected)\"")
        }
        var options = options
        if !params.isEmpty {
            var given: [(String, JSON)] = []
            do {
                for param in params {
                    plan.params = try param.apply(to: plan.params)
                    given.append((param.path.joined(separator: "."), try TemplateRenderer.lookupParam(param.path, in: plan.params)))
                }
            } catch {
                return (.failed, "child run of \(plan.pipeline) not started: \(error)")
            }
            options.triggerParams = .object(given)
        }
        do {
            let child = try Executor(plan: plan, options: options, services: services)
            child.onRunID = onRunID
            onExecutor(child)
            let result = try child.run()
            switch result.state {
            case .success: return (.success, nil)
            case .failed: return (.failed, "child run \(result.runID) of \(plan.pipeline) failed")
            case .interrupted, .running: return (.interrupted, "child run \(result.runID) of \(plan.pipeline) was interrupted")
            }
        } catch {
            return (.failed, "child run of \(plan.pipeline): \(error.message)")
        }
    }

    private func finishChild(_ ref: InstanceRef) {
        guard let state = active.removeValue(forKey: ref), let (runState, message) = state.childOutcome else { return }
        if cancelling {
            conclude(ref, state, outcome: .interrupted(message ?? AttemptOutcome.interruptedMessage, exitCode: nil))
            return
        }
        if state.timedOut {
            let limit = graph.tasks[ref.task].timeoutMilliseconds ?? 0
            conclude(ref, state, outcome: .failure(AttemptOutcome.childTimedOut(afterMilliseconds: limit), exitCode: nil, retry: true))
            return
        }
        switch runState {
        case .success: conclude(ref, state, outcome: .success([:]))
        default: conclude(ref, state, outcome: .failure(message ?? "the child run failed", exitCode: nil, retry: true))
        }
    }
}
