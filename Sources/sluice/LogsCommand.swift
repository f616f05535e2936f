import ArgumentParser
import Foundation
import SluiceExecutor
import SluicePlan

/// `sluice logs RUN_ID|latest [TASK[LABEL]] [--try N] [--follow]`: an
/// attempt's log as the run stored it (secrets masked when it was written).
/// Logs are read through `RunStore.openAttemptLog`, never by a path.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a task attempt's log, or the tail of every failed attempt of a run.",
        discussion: """
            With a task (`fetch`, or a map instance by the label the run recorded: `download[AAPL]`, \
            or its index: `download[2]`), prints that instance's log: the last attempt, or the one --try names. \
            Without a task, prints the last --lines lines of every failed attempt in the run. \
            --follow prints a running attempt's log as it grows and returns when the attempt ends. \
            RUN_ID may be `latest`; runs are found as `sluice show` finds them.
            """
    )

    @Argument(help: "A run id, or latest.")
    var runID: String

    @Argument(help: "A task, or a map instance: task[LABEL] or task[INDEX].")
    var task: String?

    @Option(name: .customLong("try"), help: "The attempt to print (1 is the first; default: the last).")
    var attempt: Int?

    @Flag(help: "Keep printing the attempt's log as it grows until the attempt ends.")
    var follow = false

    @Option(help: "Without a task: how many lines of each failed attempt to print.")
    var lines = 20

    @Option(help: "Look for runs in this workspace only.")
    var workspace: String?

    func validate() throws {
        if let attempt, attempt < 1 { throw ValidationError("--try must be 1 or more, not \(attempt)") }
        if lines < 1 { throw ValidationError("--lines must be 1 or more, not \(lines)") }
        if task == nil && (attempt != nil || follow) { throw ValidationError("--try and --follow need a task") }
    }

    func run() throws {
        let catalog = RunCatalog(workspaces: workspace.map { [$0] } ?? RunCatalog.discoverWorkspaces(from: "."))
        let run = try Self.findRun(runID, in: catalog)
        let store = RunStore(workspace: run.workspace)
        let order = catalog.taskOrder(of: run)
        var record: RunRecord
        do { record = try store.record(of: run) } catch { throw failUsageOrIO(error.message) }
        guard let task else {
            writeOut(Self.failedTails(record, run: run, store: store, order: order, lines: lines))
            return
        }
        guard let selector = InstanceSelector(parsing: task) else {
            throw failUsageOrIO("\(task) is not a task name: write TASK or TASK[LABEL]")
        }
        var instance: RunRecord.InstanceRecord
        do { instance = try record.instance(selector, taskOrder: order) } catch { throw failUsageOrIO(error.message) }
        if follow && attempt == nil {
            // The attempt may not have started yet: wait for it while the run is alive.
            while instance.attempts.isEmpty && !instance.state.isTerminal && store.isLive(run) {
                Thread.sleep(forTimeInterval: 0.1)
                if let newer = try? store.record(of: run), let again = try? newer.instance(selector, taskOrder: order) {
                    record = newer
                    instance = again
                }
            }
        }
        let chosen = try Self.attempt(attempt, of: instance)
        let log: AttemptLog
        do { log = try store.openAttemptLog(run, instance.key, chosen) } catch {
            throw failUsageOrIO(RunProgress.relative(error.message))
        }
        if follow || !chosen.state.isTerminal {
            Self.follow(log, instance: instance.key, attempt: chosen.attempt, run: run, store: store, untilEnd: follow)
        } else {
            while case let chunk = log.next(), !chunk.isEmpty { Terminal.write(chunk, to: STDOUT_FILENO) }
        }
    }

    /// The run a command line names; a name that is no run is an error, never a path.
    static func findRun(_ runID: String, in catalog: RunCatalog) throws -> RunDirectory {
        guard let run = catalog.find(runID) else {
            let places = catalog.workspaces.isEmpty ? "no .sluice/runs found from here" : "looked in " + catalog.workspaces.map(RunProgress.relative).joined(separator: ", ")
            throw failUsageOrIO(runID == "latest" ? "no runs recorded (\(places))" : "no run \(runID) (\(places))")
        }
        return run
    }

    private static func attempt(_ number: Int?, of instance: RunRecord.InstanceRecord) throws -> RunRecord.AttemptRecord {
        let withLogs = instance.attempts.filter { $0.log != nil }
        guard let last = withLogs.last else {
            let why = instance.cacheHit || instance.state == .cached ? "it was cached" : "its state is \(instance.state.rawValue)"
            throw failUsageOrIO("\(instance.name) has no attempt with a log: \(why)")
        }
        guard let number else { return last }
        guard let chosen = withLogs.first(where: { $0.attempt == number }) else {
            let first = withLogs.first?.attempt ?? 1
            let range = first == last.attempt ? "try \(first)" : "tries \(first) to \(last.attempt)"
            throw failUsageOrIO("\(instance.name) has \(range), not try \(number)")
        }
        return chosen
    }

    /// Prints what a running attempt writes until it ends (or its run dies),
    /// then what is left; without `untilEnd`, only what is there now.
    /// An attempt that ends having written nothing hands its file on to a
    /// later attempt once that end is in the journal (`AttemptLogFiles`), so
    /// the first bytes read are the attempt's own only if the journal, read
    /// after them, does not say it ended with fewer; once it wrote a byte the
    /// file stays its own.
    private static func follow(_ log: AttemptLog, instance key: InstanceKey, attempt: Int, run: RunDirectory, store: RunStore,
                               untilEnd: Bool) {
        func current() -> RunRecord.AttemptRecord? {
            (try? store.record(of: run))?.instance(key)?.attempts.first { $0.attempt == attempt }
        }
        var confirmed = false
        while true {
            var chunk = log.next()
            if !chunk.isEmpty {
                if !confirmed {
                    confirmed = true
                    if let now = current(), now.state.isTerminal { chunk = log.ended(withBytes: now.logBytes, keepingOf: chunk) }
                }
                Terminal.write(chunk, to: STDOUT_FILENO)
                continue
            }
            guard untilEnd else { return }
            let now = current()
            if let now, now.state.isTerminal || !store.isLive(run) {
                if now.state.isTerminal { _ = log.ended(withBytes: now.logBytes, keepingOf: []) }
                while case let rest = log.next(), !rest.isEmpty { Terminal.write(rest, to: STDOUT_FILENO) }
                return
            }
            if now == nil && !store.isLive(run) {
                while case let rest = log.next(), !rest.isEmpty { Terminal.write(rest, to: STDOUT_FILENO) }
                return
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// `== wobbly try 1 (failed): last 20 of 31 lines ==` and those lines, for every failed attempt.
    static func failedTails(_ record: RunRecord, run: RunDirectory, store: RunStore, order: [String], lines: Int) -> String {
        var text = ""
        var count = 0
        for instance in record.orderedInstances(taskOrder: order) {
            for attempt in instance.attempts where attempt.state == .failed && attempt.log != nil {
                count += 1
                let reason = attempt.message.map { ": " + String($0.prefix(120)) } ?? ""
                guard let log = try? store.openAttemptLog(run, instance.key, attempt) else {
                    text += "== \(instance.name) try \(attempt.attempt) (failed\(reason)): its log cannot be read ==\n\n"
                    continue
                }
                let (tail, total) = log.tail(lines: lines)
                let shown = total <= lines ? "all \(total) line\(total == 1 ? "" : "s")" : "last \(lines) of \(total) lines"
                var body = String(decoding: tail, as: UTF8.self)
                if !body.isEmpty && !body.hasSuffix("\n") { body += "\n" }
                text += "== \(instance.name) try \(attempt.attempt) (failed\(reason)): \(shown) ==\n" + body + "\n"
            }
        }
        if count == 0 { return "no failed attempts in run \(record.runID)\n" }
        return text
    }
}
