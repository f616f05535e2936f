import ArgumentParser
import Foundation
import SluiceExecutor
import SluicePlan

/// `sluice task-run PLAN --task ID ...`: one attempt of one task instance,
/// for another scheduler (every task of a DAG from `sluice export airflow`
/// calls it). Wiring only: the attempt is `SluiceExecutor.SingleAttempt`,
/// which runs it through the `AttemptRunner` every attempt of `sluice run`
/// goes through (rendering, environment, process group, timeout and kill,
/// output protocol, the outcome's words).
struct TaskRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task-run",
        abstract: "Run one attempt of one task of a plan (for schedulers such as Airflow).",
        discussion: """
            Runs the task (or one map instance of a foreach task) exactly as `sluice run` would run \
            that attempt, with the run id, date, params and upstream outputs given here instead of \
            a local run's memory. No retries: the caller retries. The task's output goes to stderr \
            (secrets masked) and to <workspace>/.sluice/airflow/<pipeline>/<run_id>/logs/; the last \
            line of stdout is one JSON object: {"task", "map_index", "state": "success"|"failed", \
            "outputs", "message"}. Exit status: 0 success, 1 the attempt failed, 2 usage or I/O error.
            """
    )

    @Argument(help: "A plan (.json, as `sluice export airflow` writes it) or a pipeline spec.")
    var plan: String

    @Option(help: "The task id.")
    var task: String

    @Option(help: "The workspace (default: SLUICE_WORKSPACE, else the plan's).")
    var workspace: String?

    @Option(help: "The run id: {{ run.id }}, SLUICE_RUN_ID and the records directory (letters, digits, - _ .).")
    var runId: String

    @Option(help: "YYYY-MM-DD, the value of {{ run.date }} (default, or empty: today, UTC).")
    var runDate: String?

    @Option(name: .customLong("try"), help: "The attempt number, from 1 (SLUICE_TRY).")
    var attempt: Int = 1

    @Option(help: "The run's params as a JSON object (default: the plan's).")
    var params: String?

    @Option(name: .customLong("param"),
            help: "Override a param of --params: key.path=value, typed by the value it replaces as `sluice run --param` is (an exported child DAG passes its trigger's params so). Repeatable.")
    var paramOverrides: [String] = []

    @Option(help: "Upstream outputs as a JSON object {\"task.output\": value} (a mapped producer's value: a list in map-index order).")
    var upstream: String = "{}"

    @Option(help: "The map index of a foreach task's instance.")
    var mapIndex: Int?

    @Option(help: "The map instance's item, as JSON.")
    var item: String?

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let loaded = try PlanLoading.load(plan)
        let attemptRun: SingleAttempt
        do {
            attemptRun = try SingleAttempt(try request(loaded))
        } catch {
            usageFailure(error.message)
        }
        let forwarded = SignalForwarding.install([SIGINT, SIGTERM, SIGHUP]) { _ in attemptRun.cancel() }
        let result: SingleAttemptResult
        do {
            result = try attemptRun.run { bytes in Self.writeAll(STDERR_FILENO, bytes) }
        } catch {
            usageFailure(error.message)
        }
        forwarded.stop()
        for secret in result.unsetSecrets {
            Self.writeAll(STDERR_FILENO, ArraySlice("warning: secret \(secret) is not set (in the environment or env_file); tasks see no value\n".utf8))
        }
        if let message = result.message {
            Self.writeAll(STDERR_FILENO, ArraySlice("sluice: \(result.task)\(result.mapIndex.map { "[\($0)]" } ?? ""): \(message)\n".utf8))
        }
        Self.writeAll(STDOUT_FILENO, ArraySlice((result.json().compact() + "\n").utf8))
        exitWithoutTeardown(result.state == .success ? .success : .failure)
    }

    private static func override(_ params: JSON, with overrides: [String]) throws(ExecutorError) -> JSON {
        do { return try ParamOverride.apply(overrides, to: params) } catch { throw ExecutorError(error.message) }
    }

    private func request(_ plan: Plan) throws(ExecutorError) -> SingleAttemptRequest {
        let environment = ProcessEnvironment.current()
        let chosen = workspace ?? environment["SLUICE_WORKSPACE"].flatMap { $0.isEmpty ? nil : $0 } ?? plan.workspace
        let here = FileManager.default.currentDirectoryPath
        let absolute = URL(fileURLWithPath: chosen.hasPrefix("/") ? chosen : here + "/" + chosen).standardizedFileURL.path
        var request = SingleAttemptRequest(
            plan: plan, task: task, workspace: absolute, runID: runId,
            runDate: runDate.flatMap { $0.isEmpty ? nil : $0 } ?? Timestamp.date(SystemClock().wallMicroseconds()), attempt: attempt,
            params: try Self.override(try params.map { text throws(ExecutorError) in try Self.parse(text, option: "--params") } ?? plan.params,
                                      with: paramOverrides),
            upstream: [:], mapIndex: mapIndex,
            item: try item.map { text throws(ExecutorError) in try Self.parse(text, option: "--item") },
            environment: environment, toolDirectory: RunCommand.toolDirectory())
        guard let members = try Self.parse(upstream, option: "--upstream").objectValue else {
            throw ExecutorError("--upstream must be a JSON object {\"task.output\": value}")
        }
        for (key, value) in members { request.upstream[key] = value }
        // Internal knob for the end-to-end tests, as in `sluice run`.
        if let grace = environment["SLUICE_KILL_GRACE_MS"].flatMap(Int64.init), grace >= 0 {
            request.killGraceNanoseconds = grace * 1_000_000
        }
        return request
    }

    private static func parse(_ text: String, option: String) throws(ExecutorError) -> JSON {
        do { return try JSON.parse(text) } catch { throw ExecutorError("\(option) is not JSON: \(error)") }
    }

    /// A usage or I/O error: still one JSON line on stdout, so the caller can show why.
    private func usageFailure(_ message: String) -> Never {
        writeErr("error: \(message)\n")
        let line = JSON.object([
            ("task", .string(task)), ("map_index", mapIndex.map { .int(Int64($0)) } ?? .null), ("state", .string("failed")),
            ("outputs", .object([])), ("message", .string(message)),
        ])
        Self.writeAll(STDOUT_FILENO, ArraySlice((line.compact() + "\n").utf8))
        exitWithoutTeardown(.usageOrIO)
    }

    static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) {
        var rest = bytes
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { raw in write(fd, raw.baseAddress, raw.count) }
            if n < 0 { if errno == EINTR { continue } else { return } }
            guard n > 0 else { return }
            rest = rest.dropFirst(n)
        }
    }
}
