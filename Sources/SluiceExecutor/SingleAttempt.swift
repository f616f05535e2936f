import Foundation
import SluiceColumnar
import SluicePlan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What to run for one attempt of one task instance outside a local run
/// (`sluice task-run`, which every task of an exported Airflow DAG calls):
/// another scheduler decided that it runs now and hands in the values a local
/// run would have in memory (the run id and date, params, upstream outputs,
/// the map item).
public struct SingleAttemptRequest: Sendable {
    /// The plan as exported; `params` are replaced by `params` below.
    public var plan: Plan
    public var task: String
    /// The workspace, absolute: tasks run there and records go to `.sluice/airflow/` in it.
    public var workspace: String
    public var runID: String
    /// `YYYY-MM-DD`, the value of `{{ run.date }}`.
    public var runDate: String
    /// 1, 2, …: `SLUICE_TRY` and the log's name. Retries are the caller's business.
    public var attempt: Int
    /// The run's params (same shape as `plan.params`).
    public var params: JSON
    /// `"task.output"` → value, for the task's `reads.outputs`: a mapped
    /// producer's value is the list of its instances' values in map-index
    /// order; tables and files are absolute paths. A missing key is an output
    /// without a value (its task was skipped or failed): the attempt fails if it renders it.
    public var upstream: [String: JSON]
    public var mapIndex: Int?
    /// The instance's `{{ item }}` (mapped tasks only).
    public var item: JSON?
    /// The environment the task inherits (normally this process's).
    public var environment: [String: String]
    /// Put first on the task's PATH (the directory of the running `sluice`).
    public var toolDirectory: String?
    /// Between SIGTERM and SIGKILL (DESIGN.md: 10 s; tests shorten it).
    public var killGraceNanoseconds: Int64 = 10_000_000_000

    public init(plan: Plan, task: String, workspace: String, runID: String, runDate: String, attempt: Int, params: JSON,
                upstream: [String: JSON], mapIndex: Int? = nil, item: JSON? = nil, environment: [String: String],
                toolDirectory: String? = nil) {
        self.plan = plan
        self.task = task
        self.workspace = workspace
        self.runID = runID
        self.runDate = runDate
        self.attempt = attempt
        self.params = params
        self.upstream = upstream
        self.mapIndex = mapIndex
        self.item = item
        self.environment = environment
        self.toolDirectory = toolDirectory
    }
}

/// How the attempt went: the contract line of `sluice task-run`.
public struct SingleAttemptResult: Sendable {
    public var task: String
    public var mapIndex: Int?
    /// `success` or `failed` (an interrupted attempt is a failed one: its caller retries or gives up).
    public var state: TaskState
    /// Declared outputs in declaration order, then `branch` for an undeclared
    /// branch output; tables and files as absolute paths. Secrets are masked,
    /// as in every record sluice writes: the caller stores these values (Airflow's
    /// XCom is both a record and the way downstream tasks receive them).
    public var outputs: JSON
    /// Why it failed, with secrets masked.
    public var message: String?
    public var exitCode: Int32?
    /// The attempt's log, absolute (nil when nothing ran).
    public var log: String?
    /// Secrets named by the plan that have no value anywhere (worth a warning).
    public var unsetSecrets: [String]
    /// What the data checks found, as the journal keeps it; nil when the task has none.
    public var checks: JSON? = nil
    /// For a failure: whether another attempt could go differently (false for
    /// what `sluice run` never retries: a rendering error, a missing upstream
    /// value, a branch choosing no choice), so the caller need not retry it.
    public var retry: Bool? = nil

    /// A map instance's label (`TemplateRenderer.instanceLabel`), which an
    /// exported DAG shows as the instance's name; nil for an unmapped task.
    public var label: String? = nil

    /// `{"task": …, "map_index": …, "state": …, "outputs": {…}, "message": …}`,
    /// `"retry"` for a failure, and `label` for a map instance.
    public func json() -> JSON {
        .object([
            ("task", .string(task)),
            ("map_index", mapIndex.map { .int(Int64($0)) } ?? .null),
            ("state", .string(state.rawValue)),
            ("outputs", outputs),
            ("message", message.map(JSON.string) ?? .null),
        ] + (retry.map { [("retry", .bool($0))] } ?? []) + (checks.map { [("checks", $0)] } ?? []) + (label.map { [("label", .string($0))] } ?? []))
    }
}

/// One attempt of one task instance, run by the same `AttemptRunner` as
/// every attempt of `sluice run`: rendering and shell quoting, the
/// environment (`TaskEnvironment`: inherited variables, `env_file`, secrets,
/// the tool directory first on PATH; then `env` and `SLUICE_*`), the process
/// group, its timeout and kill, the output protocol (`OutputCollector`) and
/// branch checks, and the outcome's wording. What a local run keeps in
/// memory comes from the request instead, and nothing is journaled or
/// retried. Records go to `<workspace>/.sluice/airflow/<pipeline>/<run_id>/`
/// (`logs/`, `outputs/`, `staging/`, laid out as in a run directory).
public final class SingleAttempt: @unchecked Sendable {
    public let request: SingleAttemptRequest
    /// The records directory of the run, absolute.
    public let directory: String
    private let plan: Plan
    private let graph: RunGraph
    /// The workspace as a local run resolves it (symlinks too).
    private let workspace: String
    private let taskIndex: Int
    private let upstreamValues: [String: JSON]
    private let lock = NSLock()
    private var cancelled = false
    private var runner: PosixProcessRunner?

    /// Checks the request against the plan; nothing is written or started.
    /// Throws for usage errors (an unknown task, a trigger task, a map index
    /// on an unmapped task, ill-typed upstream values, an unsafe run id).
    public init(_ request: SingleAttemptRequest) throws(ExecutorError) {
        var plan = request.plan
        plan.params = request.params
        guard request.workspace.hasPrefix("/") else { throw ExecutorError("the workspace must be an absolute path, not \(request.workspace)") }
        plan.workspace = request.workspace
        guard plan.params.objectValue != nil else { throw ExecutorError("--params must be a JSON object (the run's params)") }
        guard Self.isSafeComponent(request.runID) else {
            throw ExecutorError("run id \(SecretMasker.noSecrets.quoted(request.runID)) must be 1 to 250 letters, digits, '-', '_' or '.', and not . or ..")
        }
        guard Self.isDate(request.runDate) else { throw ExecutorError("run date \(SecretMasker.noSecrets.quoted(request.runDate)) is not YYYY-MM-DD") }
        guard request.attempt >= 1 else { throw ExecutorError("the try number must be at least 1, not \(request.attempt)") }
        let checked = try Executor.checked(plan)
        graph = checked.graph
        workspace = checked.workspace
        self.plan = plan
        guard let index = graph.index[request.task] else {
            throw ExecutorError("task \"\(request.task)\" is not in pipeline \"\(plan.pipeline)\"")
        }
        taskIndex = index
        let task = graph.tasks[index]
        if task.kind == .trigger {
            throw ExecutorError("task \"\(task.id)\" is a trigger task: the scheduler starts pipeline \"\(task.trigger?.pipeline ?? "")\" itself (Airflow: TriggerDagRunOperator)")
        }
        if task.isMapped {
            guard let mapIndex = request.mapIndex, mapIndex >= 0 else { throw ExecutorError("task \"\(task.id)\" is a foreach task: give --map-index (0, 1, …) and --item") }
            guard request.item != nil else { throw ExecutorError("task \"\(task.id)\" is a foreach task: give --item, the instance's item as JSON") }
        } else if request.mapIndex != nil || request.item != nil {
            throw ExecutorError("task \"\(task.id)\" is not a foreach task: it takes no --map-index or --item")
        }
        self.request = request
        // The workspace as the executor resolved it (symlinks too), as a local run's records use it.
        directory = RunStore(workspace: workspace).airflowRunPath(pipeline: plan.pipeline, runID: request.runID)
        var values: [String: JSON] = [:]
        for reference in task.reads.outputs {
            let key = reference.dotted
            guard let value = request.upstream[key] else { continue }
            values[key] = try Self.checkUpstream(reference.read(value), key: key, reference: reference, graph: graph)
        }
        let known = Set(task.reads.outputs.map(\.dotted))
        if let stray = request.upstream.keys.sorted().first(where: { !known.contains($0) }) {
            throw ExecutorError("--upstream names \"\(stray)\", which task \"\(task.id)\" does not read (it reads \(known.sorted().map { "\"\($0)\"" }.joined(separator: ", ").ifEmpty("nothing")))")
        }
        upstreamValues = values
    }

    /// Asks a running attempt to stop: SIGTERM to its process group, SIGKILL
    /// after the grace period; the attempt fails as interrupted. Safe from any thread.
    public func cancel() {
        lock.lock()
        cancelled = true
        let runner = self.runner
        lock.unlock()
        runner?.wake()
    }

    private var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    /// Runs the attempt to its end. `log` receives the task's output (masked)
    /// as it is written to the attempt's log. Throws only for problems of
    /// sluice itself (records that cannot be written, a missing env_file).
    public func run(log: ((ArraySlice<UInt8>) -> Void)? = nil) throws(ExecutorError) -> SingleAttemptResult {
        let task = graph.tasks[taskIndex]
        let environment = try TaskEnvironment(plan: plan, workspace: workspace, inheriting: request.environment,
                                              toolDirectory: request.toolDirectory)
        // `ran`: the attempt, once its process started (its log and exit code).
        func result(_ outcome: AttemptOutcome, ran attempt: AttemptRunner? = nil) -> SingleAttemptResult {
            let masker = environment.masker
            var result = SingleAttemptResult(task: task.id, mapIndex: request.mapIndex, state: .failed, outputs: .object([]),
                                             message: outcome.message.map { masker.mask($0) }, exitCode: nil,
                                             log: attempt.map { directory + "/" + $0.logName },
                                             unsetSecrets: environment.unsetSecrets,
                                             checks: attempt?.checks.map { masker.mask($0) })
            if request.mapIndex != nil { result.label = TemplateRenderer.instanceLabel(task, renderContext(), masker: masker) }
            switch outcome {
            case .success(let values):
                result.state = .success
                result.outputs = masker.mask(OutputCollector.ordered(task, values))
                result.exitCode = attempt?.exitCode
            case .failure(_, let exitCode, let retry):
                result.exitCode = exitCode
                result.retry = retry
            case .interrupted(_, let exitCode):
                result.exitCode = exitCode
                result.retry = true
            }
            return result
        }
        // Nothing runs for a task with neither `run` nor `trigger`, as in a local run.
        if task.kind == .empty { return result(.success([:])) }

        let store = RunStore(workspace: workspace)
        let records = try store.openAirflowRecords(pipeline: plan.pipeline, runID: request.runID)
        let key = InstanceKey(task: task.id, mapIndex: request.mapIndex)
        let attempt = AttemptRunner(AttemptRunner.Setup(task: task, key: key, attempt: request.attempt, runID: request.runID,
                                                        workspace: workspace, environment: environment, records: records,
                                                        killGraceNanoseconds: request.killGraceNanoseconds), clock: SystemClock())
        if let failed = attempt.prepare(renderContext()) { return result(failed) }
        let runner: PosixProcessRunner
        do { runner = try PosixProcessRunner() } catch { throw ExecutorError(error.description) }
        lock.lock()
        self.runner = runner
        lock.unlock()
        if let failed = attempt.start(on: runner) { return result(failed) }
        // The task's output reaches the caller's log as it is written: looked at every 200 ms.
        let follower = LogFollower(in: records.logs, name: (attempt.logName as NSString).lastPathComponent, sink: log)
        let interrupted = attempt.runAlone(pollEvery: 200_000_000) {
            follower.poll()
            return isCancelled
        }
        let outcome = attempt.finish(interrupted: interrupted)
        follower.drain()
        return result(outcome, ran: attempt)
    }

    /// Values as a local run would have them: the request's instead of the run's memory.
    private func renderContext() -> RenderContext {
        let graph = graph
        let values = upstreamValues
        let taskID = graph.tasks[taskIndex].id
        return RenderContext(params: plan.params, runID: request.runID, runDate: request.runDate, item: request.item,
                             index: request.mapIndex, output: { reference throws(RenderError) in
            let type = try Self.downstreamType(reference, graph: graph)
            guard let value = values[reference.dotted] else {
                throw RenderError("\(reference.dotted) has no value: task \"\(reference.task)\" did not succeed (nothing was passed in --upstream)")
            }
            return (value, type)
        }, instance: request.mapIndex.map { "\(taskID)[\($0)]" } ?? taskID)
    }

    // MARK: - Checks

    /// The type a consumer renders an upstream output by: the one the plan
    /// recorded on the reference, which the compiler checked the consumer
    /// against (a list for a mapped producer; a branch task's implicit
    /// `branch` is `BranchOutput.type`), so compiler and executor never type it apart.
    /// The producer must write that output (declared, or its `branch`).
    static func downstreamType(_ reference: OutputReference, graph: RunGraph) throws(RenderError) -> ValueType {
        guard let producer = graph.index[reference.task], graph.tasks[producer].output(reference.output) != nil
                || (reference.output == OutputsFile.branchOutput && graph.tasks[producer].branch != nil) else {
            throw RenderError("\(reference.task).\(reference.output) is not an output of the plan")
        }
        return reference.type
    }

    /// An `--upstream` value checked (and normalized: ints widen to floats)
    /// against the type the consumer sees, as the output protocol checks a task's own outputs.
    /// Its messages quote with `SecretMasker.noSecrets`: upstream values arrive already
    /// masked (a producer's task-run prints masked outputs), before this attempt loads its secrets.
    static func checkUpstream(_ value: JSON, key: String, reference: OutputReference, graph: RunGraph) throws(ExecutorError) -> JSON {
        let type: ValueType
        do { type = try downstreamType(reference, graph: graph) } catch { throw ExecutorError(error.message) }
        func artifact(_ value: JSON) throws(ExecutorError) -> JSON {
            guard let path = value.stringValue, path.hasPrefix("/") else {
                throw ExecutorError("--upstream \"\(key)\" is a \(type): expected an absolute path, found \(SecretMasker.noSecrets.quoted(value))")
            }
            return .string(path)
        }
        switch type {
        case .table, .file:
            return try artifact(value)
        case .list(let element) where element.isArtifact:
            guard let items = value.arrayValue else {
                throw ExecutorError("--upstream \"\(key)\" is a \(type): expected a JSON list of absolute paths, found \(SecretMasker.noSecrets.quoted(value))")
            }
            var paths: [JSON] = []
            for item in items { paths.append(try artifact(item)) }
            return .array(paths)
        default:
            do { return try OutputsFile.check(value, against: type, name: key, masker: .noSecrets) } catch {
                throw ExecutorError("--upstream \"\(key)\" must be \(type), not \(SecretMasker.noSecrets.quoted(value))")
            }
        }
    }

    static func isSafeComponent(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 250, text != ".", text != ".." else { return false }
        return text.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == ".")
        }
    }

    static func isDate(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return false }
        return b.enumerated().allSatisfy { i, c in i == 4 || i == 7 || (c >= 48 && c <= 57) }
    }
}

/// Copies what the task appends to its log (already masked) to a sink as it
/// arrives, so a remote scheduler's task log shows it while the task runs.
/// The log is opened from the held `logs/` directory, never through a
/// symlink the task may have put in its place.
private final class LogFollower {
    private let logs: RecordDirectory
    private let name: String
    private let sink: ((ArraySlice<UInt8>) -> Void)?
    private var fd: Int32 = -1
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    init(in logs: RecordDirectory, name: String, sink: ((ArraySlice<UInt8>) -> Void)?) {
        self.logs = logs
        self.name = name
        self.sink = sink
    }

    deinit { if fd >= 0 { close(fd) } }

    func poll() {
        guard let sink else { return }
        if fd < 0 {
            fd = logs.openFile(name)
            guard fd >= 0 else { return }
        }
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }
            sink(buffer[0..<n])
        }
    }

    /// After the runner released the attempt (its log is complete).
    func drain() { poll() }
}

private extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
