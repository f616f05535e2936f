import Foundation
import Testing
import SluicePlan
@testable import SluiceExecutor

/// Small plans written in code: `task("b", needs: ["a"], run: "echo hi")`.
func task(_ id: String, needs: [String] = [], run: String? = "true", rule: TriggerRule = .allSuccess, pool: String? = nil,
          foreach: ForeachSource? = nil, outputs: [PlanOutput] = [], branch: [String]? = nil, retries: Int = 0,
          retryDelay: Int64 = 0, backoff: PlanTask.Backoff = .fixed, timeout: Int64? = nil, template: Template? = nil) -> PlanTask {
    let kind: PlanTask.Kind = run == nil && template == nil ? .empty : .command
    return PlanTask(id: id, kind: kind, needs: needs, run: template ?? run.map { Template([.text($0)]) }, foreach: foreach,
                    outputs: outputs, branch: branch, triggerRule: rule, retries: retries, retryDelayMilliseconds: retryDelay,
                    retryBackoff: backoff, timeoutMilliseconds: timeout, pool: pool)
}

func plan(_ tasks: [PlanTask], pools: [Plan.Pool] = [], params: JSON = .object([]), maxActive: Int? = nil,
          workspace: String = ".", secrets: [String] = []) -> Plan {
    Plan(pipeline: "p", source: "p.yaml", sourceSHA256: "", workspace: workspace, params: params, pools: pools,
         maxActiveTasks: maxActive, secrets: secrets, tasks: tasks)
}

/// A fresh directory under the system temp dir, removed by `cleanUp()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        let raw = NSTemporaryDirectory() + "sluice-exec-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: raw, withIntermediateDirectories: true)
        path = URL(fileURLWithPath: raw).resolvingSymlinksInPath().path
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
}

/// A clock that moves only when the fake runner advances it.
final class FakeClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var nanoseconds: Int64 = 1_000_000_000

    func monotonicNanoseconds() -> Int64 { lock.withLock { nanoseconds } }
    func wallMicroseconds() -> Int64 { lock.withLock { 1_795_000_000_000_000 + nanoseconds / 1000 } }
    func advance(to time: Int64) { lock.withLock { nanoseconds = max(nanoseconds, time) } }
}

/// What a fake process does: how long it runs, how it ends, what it writes to `$SLUICE_OUTPUTS`.
struct FakeBehaviour {
    var duration: Int64 = 1_000_000
    var status: ProcessStatus = .exited(0)
    var outputs: String? = nil
    /// Keeps running after SIGTERM (only SIGKILL ends it).
    var ignoresTerm = false
}

/// ninja's FakeCommandRunner for Sluice: records every start, ends each
/// process after its scripted duration on the fake clock, honours signals,
/// and tracks how many ran at once, overall and per command prefix.
final class FakeRunner: ProcessRunner, @unchecked Sendable {
    struct Started {
        var request: ProcessRequest
        var start: Int64
        var end: Int64?
        var environment: [String: String] {
            Dictionary(request.environment.map { entry -> (String, String) in
                let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            }, uniquingKeysWith: { $1 })
        }
    }

    let clock: FakeClock
    let behaviour: (ProcessRequest, Int) -> FakeBehaviour
    private(set) var started: [Started] = []
    private var running: [Int: (end: Int64, status: ProcessStatus, ignoresTerm: Bool)] = [:]
    private(set) var maxConcurrent = 0
    private(set) var signals: [(Int, Int32)] = []

    init(clock: FakeClock, behaviour: @escaping (ProcessRequest, Int) -> FakeBehaviour = { _, _ in FakeBehaviour() }) {
        self.clock = clock
        self.behaviour = behaviour
    }

    func start(_ request: ProcessRequest) throws(ProcessStartError) -> ProcessHandle {
        let id = started.count
        let attempt = Int(Started(request: request, start: 0).environment["SLUICE_TRY"] ?? "1") ?? 1
        let plan = behaviour(request, attempt)
        let now = clock.monotonicNanoseconds()
        started.append(Started(request: request, start: now))
        if let outputs = plan.outputs, let path = started[id].environment["SLUICE_OUTPUTS"] {
            _ = FileManager.default.createFile(atPath: path, contents: Data(outputs.utf8))
        }
        running[id] = (now + plan.duration, plan.status, plan.ignoresTerm)
        maxConcurrent = max(maxConcurrent, running.count)
        return ProcessHandle(id: id, pid: Int32(10_000 + id))
    }

    func signalGroup(_ handle: ProcessHandle, _ signal: Int32) {
        signals.append((handle.id, signal))
        guard let process = running[handle.id] else { return }
        if signal == SIGKILL || !process.ignoresTerm {
            running[handle.id] = (clock.monotonicNanoseconds(), .signaled(signal), false)
        }
    }

    func groupAlive(_ handle: ProcessHandle) -> Bool { false }

    func wait(timeoutNanoseconds: Int64?) -> [ProcessExit] {
        let now = clock.monotonicNanoseconds()
        let deadline = timeoutNanoseconds.map { now + $0 } ?? Int64.max
        guard let next = running.min(by: { $0.value.end < $1.value.end }), next.value.end <= deadline else {
            if deadline != Int64.max { clock.advance(to: deadline) }
            return []
        }
        clock.advance(to: next.value.end)
        let finished = running.filter { $0.value.end <= next.value.end }.sorted { $0.key < $1.key }
        for (id, _) in finished {
            running[id] = nil
            started[id].end = next.value.end
        }
        return finished.map { ProcessExit(handle: ProcessHandle(id: $0.key, pid: Int32(10_000 + $0.key)), status: $0.value.status) }
    }

    func wake() {}
    func release(_ handle: ProcessHandle) {}

    /// Commands started, in order.
    var commands: [String] { started.map(\.request.command) }
}

/// Runs a plan in `directory` with the fake runner; returns the result and the runner.
func runWithFake(_ plan: Plan, in directory: TemporaryDirectory, options: RunOptions? = nil,
                 behaviour: @escaping (ProcessRequest, Int) -> FakeBehaviour = { _, _ in FakeBehaviour() }) throws -> (RunResult, FakeRunner) {
    let (executor, runner) = try executorWithFake(plan, in: directory, options: options, behaviour: behaviour)
    return (try executor.run(), runner)
}

/// An executor on the fake runner, not yet run: for tests that look at its state afterwards.
func executorWithFake(_ plan: Plan, in directory: TemporaryDirectory, options: RunOptions? = nil,
                      behaviour: @escaping (ProcessRequest, Int) -> FakeBehaviour = { _, _ in FakeBehaviour() }) throws -> (Executor, FakeRunner) {
    var plan = plan
    plan.workspace = directory.path
    let clock = FakeClock()
    let runner = FakeRunner(clock: clock, behaviour: behaviour)
    let services = RunServices(makeRunner: { runner }, clock: clock)
    return (try Executor(plan: plan, options: options ?? RunOptions(environment: ["PATH": "/usr/bin:/bin"]), services: services), runner)
}

extension RunResult {
    func state(of task: String, _ index: Int? = nil) -> TaskState? {
        record.instance(InstanceKey(task: task, mapIndex: index))?.state
    }
}
