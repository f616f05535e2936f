import Foundation
import SluiceExecutor
import SluiceBasics
import SluicePlan

/// Progress of `sluice run` on the terminal. Piped (or `TERM=dumb`): one line
/// per state change. On a terminal: failures, retries and finished tasks
/// scroll by above a live block (counts per state, running tasks with their
/// elapsed time, a bar per mapped task) redrawn ten times a second. Child runs
/// report from their own threads, so everything here is under one lock.
final class RunProgress: RunObserver, @unchecked Sendable {
    private let live: Bool
    private let style: Style
    private let lock = NSLock()
    private var runs: [String: RunView] = [:]
    private var runOrder: [String] = []
    private var blockHeight = 0
    private var timer: DispatchSourceTimer?
    private var stopped = false
    /// The time on the last line printed: lines never go back in time.
    private var lastStamp: Int64 = 0

    /// A class so updating one instance does not copy the whole run's maps.
    private final class RunView {
        let pipeline: String
        let depth: Int
        let start: Int64
        /// By state name; a failed attempt that will retry counts as `up_for_retry` (Airflow's word).
        var counts: [String: Int] = [:]
        var states: [InstanceKey: String] = [:]
        var done: [String: Int] = [:]
        var running: [InstanceKey: (since: Int64, attempt: Int, name: String)] = [:]
        var mapped: [String: Int] = [:]
        var finished = false

        init(pipeline: String, depth: Int, start: Int64) {
            self.pipeline = pipeline
            self.depth = depth
            self.start = start
        }
    }

    /// Standard output is `/dev/null`: per-instance lines are not built at all
    /// (a fully cached 1,000-task re-run spent 6% of its instructions on them).
    private let discarded: Bool

    init(live: Bool, color: Bool, discarded: Bool = false) {
        self.live = live
        self.style = Style(enabled: color)
        self.discarded = discarded
    }

    func runStarted(_ run: RunStartInfo) {
        lock.lock()
        defer { lock.unlock() }
        runs[run.runID] = RunView(pipeline: run.pipeline, depth: run.depth, start: run.time)
        runOrder.append(run.runID)
        let indent = String(repeating: "  ", count: run.depth)
        var text = "\(indent)\(style.bold(run.depth == 0 ? "run" : "child run")) \(run.runID) of \(run.pipeline)"
        text += run.parentRunID.map { " (triggered by \($0))" } ?? ""
        text += "\n\(indent)  records: \(Self.relative(run.directory.path))\n"
        for secret in run.unsetSecrets {
            text += "\(indent)  \(style.yellow("warning")): secret \(secret) is not set (in the environment or env_file); tasks see no value\n"
        }
        emit(text)
        if live && timer == nil { startTimer() }
    }

    /// Nothing per instance is shown when standard output is /dev/null.
    var wantsInstanceChanges: Bool { !discarded }

    func instanceChanged(_ change: InstanceChange) {
        guard !discarded else { return }
        lock.lock()
        defer { lock.unlock() }
        guard let view = runs[change.runID] else { return }
        let label = change.retryInMilliseconds == nil ? change.state.rawValue : Self.retrying
        let finished = change.state.isTerminal && change.retryInMilliseconds == nil
        if let previous = view.states[change.key] {
            view.counts[previous, default: 0] -= 1
            if Self.isDone(previous), change.key.mapIndex != nil { view.done[change.key.task, default: 0] -= 1 }
        }
        view.states[change.key] = label
        view.counts[label, default: 0] += 1
        if finished, change.key.mapIndex != nil { view.done[change.key.task, default: 0] += 1 }
        if change.state == .running { view.running[change.key] = (change.time, change.attempt, change.name) } else { view.running[change.key] = nil }
        // `queued` is not printed, except to say why an instance waits (a pool slot another run holds).
        guard change.state != .queued || change.message != nil else { return }
        if live && change.state == .running { return }
        if live && (change.state == .success || change.state == .cached) && change.key.mapIndex != nil { return }
        emit(line(change, view))
    }

    static let retrying = "up_for_retry"

    /// Spaces that pad a state name (all ASCII) to 15 columns, by its length.
    private static let padding = (0..<15).map { String(repeating: " ", count: 15 - $0) }

    private static func isDone(_ label: String) -> Bool {
        label != retrying && (TaskState(rawValue: label)?.isTerminal ?? false)
    }

    func taskMapped(runID: String, task: String, count: Int) {
        guard !discarded else { return }
        lock.lock()
        defer { lock.unlock() }
        runs[runID]?.mapped[task] = count
        if !live { emit("\(String(repeating: "  ", count: runs[runID]?.depth ?? 0))\(Self.clock(stamp()))  mapped          \(task) over \(count) item\(count == 1 ? "" : "s")\n") }
    }

    func runFinished(_ result: RunResult) {
        lock.lock()
        defer { lock.unlock() }
        runs[result.runID]?.finished = true
        if result.depth > 0 {
            let word = result.state == .success ? style.green("succeeded") : style.red(result.state.rawValue)
            emit("\(String(repeating: "  ", count: result.depth))child run \(result.runID) of \(result.pipeline) \(word)\n")
        }
    }

    /// Ends the live block; the summary prints below it.
    /// Said the moment an interrupt arrives, before any task has stopped:
    /// what is being stopped and how (`stopping 3 tasks (SIGTERM); Ctrl-C
    /// again to kill`), and on the second one what is killed. `count`: which interrupt this is.
    func interrupting(signal: Int32, count: Int) {
        lock.lock()
        defer { lock.unlock() }
        let running = runOrder.compactMap { runs[$0] }.filter { !$0.finished }.flatMap { view in
            view.running.values.map { (view.depth > 0 ? "[\(view.pipeline)] " : "") + $0.name }
        }.sorted()
        let tasks = "\(running.count) task\(running.count == 1 ? "" : "s")"
        var text: String
        if count == 1 {
            let again = signal == SIGINT ? "Ctrl-C again to kill" : "send \(Self.signalName(signal)) again to kill"
            text = running.isEmpty ? "stopping: nothing new starts; \(again)" : "stopping \(tasks) (SIGTERM); \(again)"
        } else {
            text = "killing \(tasks) (SIGKILL)"
        }
        text = style.yellow(text) + "\n"
        if !running.isEmpty {
            text += "  " + running.prefix(10).joined(separator: ", ") + (running.count > 10 ? ", … and \(running.count - 10) more" : "") + "\n"
        }
        emit(text)
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(signal)"
        }
    }

    func stop() {
        lock.lock()
        defer { lock.unlock() }
        stopped = true
        timer?.cancel()
        timer = nil
        clearBlock()
    }

    // MARK: - Lines

    private func line(_ change: InstanceChange, _ view: RunView) -> String {
        // One line per instance, so nothing here is built that the line does not need (a cached re-run prints a thousand).
        let indent = view.depth > 0 ? String(repeating: "  ", count: view.depth) : ""
        let prefix = view.depth > 0 ? "[\(view.pipeline)] " : ""
        let name = change.state.rawValue
        let state = name.utf8.count >= 15 ? name : name + Self.padding[name.utf8.count]
        var text = "\(indent)\(Self.clock(stamp()))  \(style.state(change.state, state)) \(prefix)\(change.name)"
        switch change.state {
        case .running:
            text += change.attempt > 1 ? " (try \(change.attempt))" : ""
        case .success:
            text += change.duration.map { "  \(Self.seconds($0))" } ?? ""
        case .cached:
            break  // which entry, and why: --explain
        case .failed:
            text += " (try \(change.attempt))"
            if let message = change.message { text += ": \(message)" }
            if let retry = change.retryInMilliseconds { text += "; retry in \(Self.seconds(retry * 1000))" }
            if let log = change.log {
                for line in Self.tail(of: log, lines: 3) { text += "\n\(indent)               | \(line)" }
                text += "\n\(indent)               log: \(Self.relative(log))"
            }
        default:
            if let message = change.message { text += ": \(message)" }
        }
        return text + "\n"
    }

    /// When a line is printed, not when its event happened: an attempt's
    /// end is the moment its process was reaped, but its success is known
    /// (and printed) only after its outputs are read, by which time the
    /// next task may have started and been printed. The journal keeps the
    /// exact times; the lines stay in the order they are printed. Under the lock.
    private func stamp() -> Int64 {
        lastStamp = max(lastStamp, Int64(Date().timeIntervalSince1970 * 1_000_000))
        return lastStamp
    }

    // MARK: - The live block

    private func startTimer() {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler { [weak self] in self?.redraw() }
        self.timer = timer
        timer.resume()
    }

    private func redraw() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        clearBlock()
        let lines = blockLines()
        blockHeight = lines.count
        writeRaw(lines.map { $0 + "\n" }.joined())
    }

    private func blockLines() -> [String] {
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        var lines: [String] = []
        for id in runOrder {
            guard let view = runs[id], !view.finished else { continue }
            let indent = String(repeating: "  ", count: view.depth)
            let shown: [(String, TaskState)] = [("success", .success), ("cached", .cached), ("running", .running), ("queued", .queued), (Self.retrying, .skipped),
                                                ("failed", .failed), ("upstream_failed", .upstreamFailed), ("skipped", .skipped)]
            let counts = shown.compactMap { label, state -> String? in
                guard let n = view.counts[label], n > 0 else { return nil }
                return style.state(state, "\(n) \(label)")
            }
            lines.append("\(indent)\(style.bold(view.pipeline)) \(Self.seconds(now - view.start))  " + counts.joined(separator: "  "))
            for (task, total) in view.mapped.sorted(by: { $0.key < $1.key }) where total > 0 {
                let done = view.done[task] ?? 0
                guard done < total else { continue }
                let width = 20, filled = done * width / total
                lines.append("\(indent)  \(task) [\(String(repeating: "#", count: filled))\(String(repeating: "-", count: width - filled))] \(done)/\(total)")
            }
            for (_, info) in view.running.sorted(by: { $0.value.since < $1.value.since }).prefix(8) {
                lines.append("\(indent)  \(style.state(.running, "running")) \(info.name)\(info.attempt > 1 ? " (try \(info.attempt))" : "")  \(Self.seconds(now - info.since))")
            }
            if view.running.count > 8 { lines.append("\(indent)  … and \(view.running.count - 8) more running") }
        }
        return lines
    }

    private func clearBlock() {
        guard live, blockHeight > 0 else { return }
        writeRaw(String(repeating: "\u{1B}[1A\u{1B}[2K", count: blockHeight))
        blockHeight = 0
    }

    /// A permanent line: in live mode it goes above the block.
    private func emit(_ text: String) {
        if live { clearBlock() }
        writeRaw(text)
    }

    private func writeRaw(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return write(STDOUT_FILENO, base + offset, raw.count - offset)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            offset += n
        }
    }

    // MARK: - Formatting

    /// The local time zone's offset, read once: formatting a time per line
    /// must not cost a `localtime_r` (and a time zone lookup) per task.
    private static let localOffsetSeconds: Int64 = {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        return Int64(parts.tm_gmtoff)
    }()

    /// `HH:MM:SS.mmm`, local time.
    static func clock(_ micros: Int64?) -> String {
        let now = micros ?? Int64(Date().timeIntervalSince1970 * 1_000_000)
        let local = now / 1000 + localOffsetSeconds * 1000
        let dayMillis = ((local % 86_400_000) + 86_400_000) % 86_400_000
        // Twelve digits and separators written in place: every progress line starts with one.
        let fields: [(value: Int64, digits: Int)] = [(dayMillis / 3_600_000, 2), (dayMillis / 60_000 % 60, 2), (dayMillis / 1000 % 60, 2), (dayMillis % 1000, 3)]
        return String(unsafeUninitializedCapacity: 12) { out in
            var end = 0
            for (i, field) in fields.enumerated() {
                if i > 0 { out[end] = UInt8(ascii: i == 3 ? "." : ":"); end += 1 }
                var rest = field.value
                for place in stride(from: field.digits - 1, through: 0, by: -1) {
                    out[end + place] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                end += field.digits
            }
            return end
        }
    }

    /// `0.4s`, `12.3s`, `2m05s`, `1h02m` (no `String(format:)`: this runs once per task).
    static func seconds(_ micros: Int64) -> String {
        let tenths = max(0, micros) / 100_000
        if tenths < 600 { return "\(tenths / 10).\(tenths % 10)s" }
        let whole = tenths / 10
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return whole < 3600 ? "\(whole / 60)m\(two(whole % 60))s" : "\(whole / 3600)h\(two(whole / 60 % 60))m"
    }

    /// The last lines of a task log (already masked by the executor), to show
    /// why an attempt failed without opening the file.
    static func tail(of path: String, lines count: Int) -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 4096 ? size - 4096 : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        let lines = TextLines.nonEmpty(String(decoding: data, as: UTF8.self)).map { String($0.prefix(200)) }
        return Array(lines.suffix(count))
    }

    /// A path relative to the current directory when it lies below it.
    static func relative(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        return path.hasPrefix(cwd + "/") ? String(path.dropFirst(cwd.count + 1)) : path
    }
}

/// ANSI styling, only when colour is on.
struct Style {
    let enabled: Bool

    func wrap(_ code: String, _ text: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func bold(_ text: String) -> String { wrap("1", text) }
    func green(_ text: String) -> String { wrap("32", text) }
    func red(_ text: String) -> String { wrap("31", text) }
    func yellow(_ text: String) -> String { wrap("33", text) }

    func state(_ state: TaskState, _ text: String) -> String {
        switch state {
        case .success, .cached: green(text)
        case .failed, .interrupted: red(text)
        case .upstreamFailed, .skipped: yellow(text)
        case .running: wrap("36", text)
        case .queued: text
        }
    }
}
