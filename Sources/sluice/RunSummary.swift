import Foundation
import SluiceExecutor
import SluicePlan

/// The table printed when a run ends (and by `sluice show`): one row per
/// task, mapped tasks folded into one row, then the run's verdict. Runs with
/// many tasks list only the tasks that did not simply succeed.
enum RunSummary {
    static let fullTableLimit = 40

    /// `body`: the run's `Body` if made already (beside the run's last
    /// syncs, `RunServices.whileRecordsSync`); one of another run is not used.
    static func render(_ result: RunResult, color: Bool, body: Body? = nil) -> String {
        let made = body.flatMap { $0.runID == result.runID && $0.color == color ? $0.text : nil }
        var text = "\n" + (made ?? Body(result.record, color: color).text)
        let counts = result.record.stateCounts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }
        let style = Style(enabled: color)
        let took = RunProgress.seconds((result.record.end ?? result.record.start) - result.record.start)
        let verdict: String
        switch result.state {
        case .success: verdict = style.green("succeeded")
        case .failed: verdict = style.red("failed")
        case .interrupted: verdict = style.red("was interrupted")
        case .running: verdict = "is running"
        }
        text += "\nrun \(result.runID) of \(result.pipeline) \(verdict) in \(took) (\(counts.joined(separator: ", ")))\n"
        text += "records: \(RunProgress.relative(result.directory.path))   details: sluice show \(result.runID)\n"
        return text
    }

    /// The table and the failed instances: the part of the summary that
    /// depends on the instances alone, not on `run_finished` (the verdict and
    /// the run's duration), so it can be made while the run's end syncs.
    struct Body: Sendable {
        let runID: String
        let color: Bool
        let text: String

        init(_ record: RunRecord, color: Bool) {
            // The tasks in the order of their first instances (an instance's task named
            // again right after it adds nothing to the order: each name once for a mapped task).
            var taskOrder: [String] = []
            for i in record.instances.indices where record.instances[i].key.task != taskOrder.last {
                taskOrder.append(record.instances[i].key.task)
            }
            runID = record.runID
            self.color = color
            text = RunSummary.table(record, taskOrder: taskOrder, color: color) + RunSummary.failedInstances(record, taskOrder: taskOrder)
        }
    }

    /// The last line after a run that did not succeed: the exact command
    /// that continues it. `--resume` keeps what succeeded (and the run's
    /// params and flags) and runs the rest, so after a failure it re-runs
    /// only what failed and what never ran. `spec`: as the user names it from here.
    static func nextStep(_ state: PipelineRunState, spec: String, runID: String) -> String? {
        let command = "sluice run \(InitCommand.shellQuoted(spec)) --resume \(InitCommand.shellQuoted(runID))"
        switch state {
        case .interrupted: return "resume: " + command
        case .failed: return "re-run what failed: " + command
        case .success, .running: return nil
        }
    }

    /// The spec of a recorded run as a path from the current directory: the
    /// plan's `source` is relative to the directory `sluice run` ran in, which
    /// is the workspace with the plan's relative `workspace` taken off.
    static func specPath(of plan: Plan, workspace: String) -> String? {
        if plan.source.hasPrefix("/") { return RunProgress.relative(plan.source) }
        let parts = plan.workspace.split(separator: "/").filter { $0 != "." }
        guard !plan.workspace.hasPrefix("/"), !parts.contains("..") else { return nil }
        var directory = workspace
        for _ in parts { directory = (directory as NSString).deletingLastPathComponent }
        return RunProgress.relative(((directory + "/" + plan.source) as NSString).standardizingPath)
    }

    struct Row {
        var task: String
        var state: String
        var tries: Int
        var duration: String
        var note: String
        var allSuccess: Bool
    }

    /// `only`: the rows of these tasks alone (the others are not built).
    /// The records are read in place, by position: a copy of one retained and
    /// released a dozen fields, and grouping copies cost more than the table.
    static func rows(_ record: RunRecord, taskOrder: [String], only: Set<String>? = nil) -> [Row] {
        if let only, only.isEmpty { return [] }
        let instances = record.instances
        var groups: [(task: String, positions: [Int])] = []
        var groupOfTask: [String: Int] = [:]
        // A task's group is looked up when the task differs from the instance before it.
        var previous: (task: String, group: Int?)?
        for position in record.orderedPositions(taskOrder: taskOrder) {
            let task = instances[position].key.task
            let group: Int?
            if let previous, previous.task == task {
                group = previous.group
            } else {
                if let only, !only.contains(task) {
                    group = nil
                } else if let known = groupOfTask[task] {
                    group = known
                } else {
                    group = groups.count
                    groupOfTask[task] = groups.count
                    groups.append((task, []))
                }
                previous = (task, group)
            }
            if let group { groups[group].positions.append(position) }
        }
        return groups.map { task, positions in
            var mapped = false
            var states: [TaskState: Int] = [:]
            var tries = 0
            var firstStart: Int64?, lastEnd: Int64?
            var noted: Int?  // the first instance that failed, was upstream-failed or skipped
            for p in positions {
                if instances[p].key.mapIndex != nil { mapped = true }
                let state = instances[p].state
                states[state, default: 0] += 1
                if noted == nil, state == .failed || state == .upstreamFailed || state == .skipped { noted = p }
                tries += instances[p].attempts.count
                for a in instances[p].attempts.indices {
                    if let start = instances[p].attempts[a].start { firstStart = min(firstStart ?? start, start) }
                    if let end = instances[p].attempts[a].end { lastEnd = max(lastEnd ?? end, end) }
                }
            }
            let state = mapped
                ? states.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }.joined(separator: ", ")
                : (positions.first.map { instances[$0].state.rawValue } ?? "")
            let duration = firstStart.flatMap { s in lastEnd.map { RunProgress.seconds($0 - s) } } ?? ""
            return Row(task: mapped ? "\(task) [\(record.mappedCounts[task] ?? positions.count)]" : task, state: state,
                       tries: tries, duration: duration, note: noted.flatMap { instances[$0].message } ?? "",
                       allSuccess: states.keys.allSatisfy { $0 == .success || $0 == .cached })
        }
    }

    /// Most failed instances listed by name; among 500 map instances the few that failed are what matters.
    static let failedListLimit = 20

    /// `failed instances:` and one line per failed map instance (`download[GOOG]  try 2  exit code 3`),
    /// or nothing when no map instance failed (a failed task has its own row).
    static func failedInstances(_ record: RunRecord, taskOrder: [String]) -> String {
        // Ordered only when there is something to list (a large run has nothing, and sorting it cost as much as its table).
        guard record.instances.indices.contains(where: { record.instances[$0].key.mapIndex != nil && record.instances[$0].state == .failed }) else {
            return ""
        }
        let failed = record.orderedInstances(taskOrder: taskOrder).filter { $0.key.mapIndex != nil && $0.state == .failed }
        var text = "\nfailed instances:\n"
        for instance in failed.prefix(failedListLimit) {
            let last = instance.attempts.last
            var line = "  \(instance.name)  try \(last?.attempt ?? 0)"
            // The message says the exit code when that is the failure ("exit code 3").
            if let message = instance.message ?? last?.message {
                line += "  " + String(message.prefix(120))
            } else if let code = last?.exitCode {
                line += "  exit code \(code)"
            }
            text += line + "\n"
        }
        if failed.count > failedListLimit { text += "  … and \(failed.count - failedListLimit) more (sluice show lists them all)\n" }
        return text
    }

    /// One row per instance (`sluice show --task`): a map instance by its label.
    static func instanceRows(_ instances: [RunRecord.InstanceRecord]) -> [Row] {
        instances.map { instance in
            let starts = instance.attempts.compactMap(\.start), ends = instance.attempts.compactMap(\.end)
            let duration = starts.min().flatMap { s in ends.max().map { RunProgress.seconds($0 - s) } } ?? ""
            let note = instance.state == .failed || instance.state == .upstreamFailed || instance.state == .skipped ? instance.message ?? "" : ""
            return Row(task: instance.name, state: instance.state.rawValue, tries: instance.attempts.count, duration: duration,
                       note: note, allSuccess: instance.state == .success || instance.state == .cached)
        }
    }

    static func table(_ record: RunRecord, taskOrder: [String], color: Bool) -> String {
        // Past the limit only tasks with an instance that did not succeed are
        // shown, so the others are counted here and their rows never built.
        // By position, the records read in place; a task is inserted only when it differs from the instance before's.
        var tasks: Set<String> = []
        var unsuccessful: Set<String> = []
        var previousTask: String?
        for i in record.instances.indices {
            let task = record.instances[i].key.task
            if task != previousTask {
                tasks.insert(task)
                previousTask = task
            }
            if record.instances[i].state != .success && record.instances[i].state != .cached { unsuccessful.insert(task) }
        }
        let rows: [Row]
        var hidden = 0
        if tasks.count > fullTableLimit {
            hidden = tasks.count - unsuccessful.count
            rows = Array(Self.rows(record, taskOrder: taskOrder, only: unsuccessful).prefix(fullTableLimit))
        } else {
            rows = Self.rows(record, taskOrder: taskOrder)
        }
        var text = render(rows, color: color)
        if hidden > 0 { text += "… and \(hidden) more task\(hidden == 1 ? "" : "s") that succeeded\n" }
        return text
    }

    /// The aligned table of some rows: task, state, tries, duration, note.
    static func render(_ rows: [Row], color: Bool) -> String {
        let taskWidth = max(4, rows.map(\.task.count).max() ?? 0)
        let stateWidth = max(5, rows.map(\.state.count).max() ?? 0)
        let style = Style(enabled: color)
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        var text = style.bold(pad("task", taskWidth) + "  " + pad("state", stateWidth) + "  tries  duration") + "\n"
        for row in rows {
            let stateText = pad(row.state, stateWidth)
            let colored = row.allSuccess ? style.green(stateText) : (row.state.contains("failed") ? style.red(stateText) : style.yellow(stateText))
            var line = pad(row.task, taskWidth) + "  " + colored + "  " + pad(String(row.tries), 5) + "  " + pad(row.duration, 8)
            if !row.note.isEmpty { line += "  " + String(row.note.prefix(120)) }
            text += trimmingHorizontalSpace(line) + "\n"
        }
        return text
    }

    /// `line.trimmingCharacters(in: .whitespaces)` without Foundation's `CharacterSet`,
    /// whose first use cost 0.8M instructions at the end of every run (docs/speed.md
    /// "fixed"). The same set as swift-foundation's `.whitespaces`: tab, the space
    /// separators (general category Zs) and U+200B ZERO WIDTH SPACE (checked over every
    /// scalar by `RunSummaryTrimTests`), taken off both ends one Unicode scalar at a time.
    static func trimmingHorizontalSpace(_ line: String) -> String {
        let scalars = line.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isHorizontalSpace($0) }),
              let last = scalars.lastIndex(where: { !isHorizontalSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }

    private static func isHorizontalSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? scalar == " " || scalar == "\t" : scalar == "\u{200B}" || scalar.properties.generalCategory == .spaceSeparator
    }
}
