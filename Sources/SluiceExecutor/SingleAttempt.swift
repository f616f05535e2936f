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

    /// `{"task": …, "map_index": …, "state": …, "outputs": {…}, "message": …}`.
    public func json() -> JSON {
        .object([
            ("task", .string(task)),
            ("map_index", mapIndex.map { .int(Int64($0)) } ?? .null),
            ("state", .string(state.rawValue)),
            ("outputs", outputs),
            ("message", message.map(JSON.string) ?? .null),
        ] + (checks.map { [("checks", $0)] } ?? []))
    }
}

/// One attempt of one task instance, run by the executor's own code:
/// rendering and shell quoting (`TemplateRenderer`), the environment
/// (`Executor.prepareEnvironment` and `processRequest`: inherited variables,
/// `env_file`, `env`, secrets, the tool directory first on PATH, `SLUICE_*`),
/// the process group, masking pipe and pidfd wait (`PosixProcessRunner`), the
/// output protocol (`OutputCollector`: typed scalars, tables to Arrow, files
/// moved) and branch checks (`Executor.applyBranch`). What a local run keeps
/// in memory comes from the request instead, and nothing is journaled or
/// retried. Records go to `<workspace>/.sluice/airflow/<pipeline>/<run_id>/`
/// (`logs/`, `outputs/`, `staging/`, laid out as in a run directory).
public final class SingleAttempt: @unchecked Sendable {
    public let request: SingleAttemptRequest
    /// The records directory of the run, absolute.
    public let directory: String
    private let executor: Executor
    private let taskIndex: Int
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
        var options = RunOptions(environment: request.environment, toolDirectory: request.toolDirectory)
        options.killGraceNanoseconds = request.killGraceNanoseconds
        executor = try Executor(plan: plan, options: options, services: RunServices())
        guard let index = executor.graph.index[request.task] else {
            throw ExecutorError("task \"\(request.task)\" is not in pipeline \"\(plan.pipeline)\"")
        }
        taskIndex = index
        let task = executor.graph.tasks[index]
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
        directory = executor.workspace + "/.sluice/airflow/" + plan.pipeline + "/" + request.runID
        var checked: [String: JSON] = [:]
        for reference in task.reads.outputs {
            let key = reference.task + "." + reference.output
            guard let value = request.upstream[key] else { continue }
            checked[key] = try Self.checkUpstream(value, key: key, reference: reference, graph: executor.graph)
        }
        let known = Set(task.reads.outputs.map { $0.task + "." + $0.output })
        if let stray = request.upstream.keys.sorted().first(where: { !known.contains($0) }) {
            throw ExecutorError("--upstream names \"\(stray)\", which task \"\(task.id)\" does not read (it reads \(known.sorted().map { "\"\($0)\"" }.joined(separator: ", ").ifEmpty("nothing")))")
        }
        upstreamValues = checked
    }

    private var upstreamValues: [String: JSON]

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
        let task = executor.graph.tasks[taskIndex]
        let ref = InstanceRef(task: taskIndex, mapIndex: request.mapIndex)
        let key = InstanceKey(task: task.id, mapIndex: request.mapIndex)
        executor.runID = request.runID
        executor.runDate = request.runDate
        try executor.prepareEnvironment()
        let unset = executor.unsetSecrets
        func result(_ state: TaskState, outputs: JSON = .object([]), _ message: String? = nil, exitCode: Int32? = nil,
                    log: String? = nil, checks: JSON? = nil) -> SingleAttemptResult {
            SingleAttemptResult(task: task.id, mapIndex: request.mapIndex, state: state, outputs: executor.masker.mask(outputs),
                                message: message.map { executor.masker.mask($0) }, exitCode: exitCode, log: log, unsetSecrets: unset,
                                checks: checks.map { executor.masker.mask($0) })
        }
        // Nothing runs for a task with neither `run` nor `trigger`, as in a local run.
        if task.kind == .empty { return result(.success) }

        let records = try RunRecordDirectories.open(".sluice/airflow/" + executor.plan.pipeline + "/" + request.runID,
                                                    below: executor.workspace)
        Self.ignoreRecords(executor.workspace)
        executor.records = records

        let logName = RunDirectory.logName(key, attempt: request.attempt)
        let namePrefix = RunDirectory.stagingNamePrefix(key, attempt: request.attempt)
        let collector = OutputCollector(task: task, key: key, stagingPrefix: records.staging.pinned(namePrefix), relativePrefix: namePrefix,
                                        runDirectory: records.staging.fd, records: records,
                                        workspace: executor.workspace, masker: executor.masker)
        let processRequest: ProcessRequest
        do {
            processRequest = try executor.processRequest(ref, key: key, attempt: request.attempt, task: task, logPath: logName,
                                                         prefix: directory + "/staging/" + namePrefix, context: renderContext())
        } catch {
            return result(.failed, error.message)
        }
        let runner: PosixProcessRunner
        do { runner = try PosixProcessRunner() } catch { throw ExecutorError(error.description) }
        lock.lock()
        self.runner = runner
        lock.unlock()
        let handle: ProcessHandle
        do { handle = try runner.start(processRequest) } catch { return result(.failed, error.description) }
        let logPath = directory + "/" + logName
        let follower = LogFollower(path: records.logs.pinned((logName as NSString).lastPathComponent), sink: log)
        let ended = watch(handle, runner: runner, timeoutMilliseconds: task.timeoutMilliseconds, follower: follower)
        runner.release(handle)
        follower.drain()

        let exitCode = ended.status.flatMap(Executor.exitCode)
        if ended.interrupted {
            collector.removeStaging()
            return result(.failed, "interrupted", exitCode: exitCode, log: logPath)
        }
        if ended.timedOut {
            collector.removeStaging()
            let limit = Duration.milliseconds(task.timeoutMilliseconds ?? 0)
            return result(.failed, "timed out after \(Executor.describe(limit)) (\(ended.killed ? "SIGKILL" : "SIGTERM") to its process group)",
                          exitCode: exitCode, log: logPath)
        }
        switch ended.status {
        case .exited(0)?:
            let values: [String: JSON]
            do { values = try collector.collect() } catch {
                collector.removeStaging()
                return result(.failed, error.message, exitCode: 0, log: logPath, checks: collector.checkLog.json)
            }
            if task.branch != nil, let problem = executor.applyBranch(ref, values) {
                return result(.failed, problem, exitCode: 0, log: logPath, checks: collector.checkLog.json)
            }
            let ordered = JSON.object(task.outputs.map(\.name).compactMap { name in values[name].map { (name, $0) } }
                                      + (values[OutputsFile.branchOutput].map { task.output("branch") == nil ? [("branch", $0)] : [] } ?? []))
            return result(.success, outputs: ordered, exitCode: 0, log: logPath, checks: collector.checkLog.json)
        case .exited(let code)?:
            collector.removeStaging()
            return result(.failed, "exit code \(code)", exitCode: code, log: logPath)
        case .signaled(let signal)?:
            collector.removeStaging()
            return result(.failed, "killed by signal \(signal)\(Executor.signalName(signal).map { " (\($0))" } ?? "")", log: logPath)
        case nil:
            collector.removeStaging()
            return result(.failed, "the process was lost", log: logPath)
        }
    }

    /// Values as a local run would have them: the request's instead of the run's memory.
    private func renderContext() -> RenderContext {
        let graph = executor.graph
        let values = upstreamValues
        return RenderContext(params: executor.plan.params, runID: request.runID, runDate: request.runDate, item: request.item,
                             index: request.mapIndex, output: { reference throws(RenderError) in
            let type = try Self.downstreamType(reference, graph: graph)
            guard let value = values[reference.task + "." + reference.output] else {
                throw RenderError("\(reference.task).\(reference.output) has no value: task \"\(reference.task)\" did not succeed (nothing was passed in --upstream)")
            }
            return (value, type)
        })
    }

    // MARK: - Watching the process

    private struct Ended {
        var status: ProcessStatus?
        var timedOut = false
        var killed = false
        var interrupted = false
    }

    /// The executor's rules for one attempt, in a straight loop instead of
    /// its timers: the timeout (while the leader lives) sends SIGTERM to the
    /// group, SIGKILL follows after the grace period; when the leader exits
    /// but something it started lives on, the group gets the same, and the
    /// attempt ends only when no live process of it is left.
    private func watch(_ handle: ProcessHandle, runner: PosixProcessRunner, timeoutMilliseconds: Int64?,
                       follower: LogFollower) -> Ended {
        let clock = SystemClock()
        let start = clock.monotonicNanoseconds()
        let deadline = timeoutMilliseconds.flatMap { $0 > 0 ? start + $0 * 1_000_000 : nil }
        let followEvery: Int64 = 200_000_000
        var ended = Ended()
        var terminating = false
        var killAt: Int64?
        var lingerAt: Int64?
        var lingerDelay: Int64 = 5_000_000
        func terminate(_ now: Int64) {
            guard !terminating else { return }
            terminating = true
            runner.signalGroup(handle, SIGTERM)
            killAt = now + request.killGraceNanoseconds
        }
        while true {
            var now = clock.monotonicNanoseconds()
            var wake = now + followEvery
            if ended.status == nil, !terminating, let deadline { wake = min(wake, deadline) }
            if let killAt, !ended.killed { wake = min(wake, killAt) }
            if let lingerAt { wake = min(wake, lingerAt) }
            for exit in runner.wait(timeoutNanoseconds: max(0, wake - now)) where exit.handle == handle { ended.status = exit.status }
            follower.poll()
            now = clock.monotonicNanoseconds()
            if isCancelled, !ended.interrupted {
                ended.interrupted = true
                terminate(now)
            }
            if ended.status == nil, !terminating, let deadline, now >= deadline {
                ended.timedOut = true
                terminate(now)
            }
            if let killAt, !ended.killed, now >= killAt {
                ended.killed = true
                runner.signalGroup(handle, SIGKILL)
                if ended.status != nil { return ended }
            }
            guard ended.status != nil else { continue }
            if ended.killed || !runner.groupAlive(handle) { return ended }
            if lingerAt == nil {
                // The leader is gone but its group is not: no process of a task may outlive it.
                terminate(now)
                lingerAt = now + lingerDelay
            } else if let at = lingerAt, now >= at {
                lingerDelay = min(lingerDelay * 2, 200_000_000)
                lingerAt = now + lingerDelay
            }
        }
    }

    // MARK: - Checks

    /// The type a consumer renders an upstream output by: the one the plan
    /// recorded on the reference, which the compiler checked the consumer
    /// against (a list for a mapped producer; a branch task's implicit
    /// `branch` is a string), so compiler and executor never type it apart.
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

    /// Run records are not source: `.sluice/` gets the same `.gitignore` a local run writes.
    private static func ignoreRecords(_ workspace: String) {
        let ignore = workspace + "/.sluice/.gitignore"
        if !FileManager.default.fileExists(atPath: ignore) {
            try? "# Created by sluice: run records, logs and outputs stay out of version control.\n*\n"
                .write(toFile: ignore, atomically: true, encoding: .utf8)
        }
    }
}

/// Copies what the task appends to its log (already masked) to a sink as it
/// arrives, so a remote scheduler's task log shows it while the task runs.
private final class LogFollower {
    private let path: String
    private let sink: ((ArraySlice<UInt8>) -> Void)?
    private var fd: Int32 = -1
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    init(path: String, sink: ((ArraySlice<UInt8>) -> Void)?) {
        self.path = path
        self.sink = sink
    }

    deinit { if fd >= 0 { close(fd) } }

    func poll() {
        guard let sink else { return }
        if fd < 0 {
            fd = open(path, O_RDONLY | O_CLOEXEC)
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
