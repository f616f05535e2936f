import SluicePlan
import SluiceBasics

/// A run as its journal tells it: the executor builds one while it runs (for
/// `tasks.arrow` and the summary) and every reader rebuilds it by replaying
/// `journal.jsonl` (`RunRecord.replay` in RunStore.swift, the one reader), so
/// both see exactly the same thing.
public struct RunRecord: Sendable {
    public var runID = ""
    public var pipeline = ""
    public var parentRunID: String?
    /// The params the parent's trigger set (dotted path → value), when it set some.
    public var triggerParams: JSON?
    public var workspace = ""
    public var sourceSHA256 = ""
    public var pid: Int32 = 0
    public var start: Int64 = 0
    /// `--force`, `--force-task`, `--no-cache` as the run was started (its `run_started` line).
    public var flags = JournalEvent.RunFlags()
    public var end: Int64?
    /// From `run_finished`; nil while running or after a crash.
    public var finishedState: PipelineRunState?
    /// The journal ended in a torn line (a crash mid-write), which was left out.
    public var tornTail = false
    /// Lines (1-based) that are not journal events this sluice can read, skipped by `replay`.
    public var unreadableLines: [Int] = []
    public var childRuns: [JournalEvent.ChildRun] = []
    public var mappedCounts: [String: Int] = [:]
    /// Per mapped task, its instances' labels and items (absent in journals older than labels).
    public private(set) var mappedLabels: [String: [String]] = [:]
    public private(set) var mappedItems: [String: [JSON]] = [:]
    /// The last `mapped` line's task, labels and items: its instances' `queued`
    /// lines follow it, and each found its label and item with two lookups.
    private var lastMapped: (task: String, labels: [String]?, items: [JSON]?)?
    public private(set) var instances: [InstanceRecord] = []
    private var position: [InstanceKey: Int] = [:]

    public init() {}

    public struct InstanceRecord: Sendable {
        public var key: InstanceKey
        public var state: TaskState
        public var cacheHit = false
        /// The cache key journaled with its success or cache hit.
        public var cacheKey: String?
        /// The outputs of the successful attempt, as an object (empty otherwise).
        public var outputs: JSON = .object([])
        public var message: String?
        public var attempts: [AttemptRecord] = []
        /// The data checks of the latest attempt that ran them (docs/checks.md).
        public var checks: JSON?
        /// A map instance's label and item, from its task's `mapped` line.
        public var label: String?
        public var item: JSON?

        /// `download[AAPL]`, or `download[2]` without a label.
        public var name: String { InstanceKey.name(key, label: label) }
    }

    public struct AttemptRecord: Sendable {
        public var attempt: Int
        public var state: TaskState
        public var exitCode: Int32?
        public var start: Int64?
        public var end: Int64?
        /// Relative to the run directory.
        public var log: String?
        /// How many bytes of `log` are this attempt's (journal `log_bytes`); nil: all of it.
        public var logBytes: Int?
        public var message: String?
        public var cacheHit = false

        public var durationMicroseconds: Int64? {
            guard let start, let end else { return nil }
            return max(0, end - start)
        }
    }

    /// Applies one event, in journal order.
    public mutating func apply(_ event: JournalEvent) {
        switch event {
        case .runStarted(let e):
            runID = e.runID
            pipeline = e.pipeline
            parentRunID = e.parentRunID
            triggerParams = e.triggerParams
            workspace = e.workspace
            sourceSHA256 = e.sourceSHA256
            pid = e.pid
            start = e.time
            flags = e.flags
        case .mapped(let task, let count, _, let labels, let items):
            mappedCounts[task] = count
            mappedLabels[task] = labels
            mappedItems[task] = items
            lastMapped = (task, labels, items)
            // Its instances follow (a `queued` line each): room for them at once, not grown and
            // rehashed nine times for 200. Sized by the labels the line holds, not by its `count`,
            // which a damaged journal could set to anything.
            let coming = labels?.count ?? 0
            instances.reserveCapacity(instances.count + coming)
            position.reserveCapacity(position.count + coming)
            for i in instances.indices where instances[i].key.task == task { describeInstance(at: i) }
        case .task(let e):
            apply(e)
        case .childRun(let child):
            childRuns.append(child)
        case .runFinished(let state, let time):
            finishedState = state
            end = time
        case .runResumed(_, let resumedBy):
            // Running again: its state comes from the next run_finished (or the lock).
            finishedState = nil
            end = nil
            pid = resumedBy
        }
    }

    /// `apply(.task(e))`, for the executor, which has the task event unwrapped.
    mutating func apply(_ e: JournalEvent.TaskEvent) {
        let key = InstanceKey(task: e.task, mapIndex: e.mapIndex)
        // Found, or given the next position, with one lookup: the default is stored for a new key.
        let next = instances.count
        let index = Self.value(&position[key, default: next])
        if index == next {
            instances.append(InstanceRecord(key: key, state: e.state))
            describeInstance(at: index)
        }
        instances[index].state = e.state
        if e.state.isTerminal || e.state == .running { instances[index].message = e.message }
        if let outputs = e.outputs, e.state == .success || e.state == .cached { instances[index].outputs = outputs }
        if let hit = e.cacheHit { instances[index].cacheHit = hit }
        if let checks = e.checks { instances[index].checks = checks }
        if e.state.isTerminal { instances[index].cacheKey = e.cacheKey }
        guard e.attempt > 0, e.state != .queued else { return }
        // Changed in place: a copy taken out and stored back was a second
        // reference while it changed, so every event copied the whole list.
        Self.apply(e, to: &instances[index].attempts)
    }

    /// The value at an `inout` place: read through `Dictionary`'s defaulted
    /// subscript, it inserts the default where the key was missing.
    private static func value(_ place: inout Int) -> Int { place }

    private static func apply(_ e: JournalEvent.TaskEvent, to attempts: inout [AttemptRecord]) {
        if let last = attempts.indices.last, attempts[last].attempt == e.attempt {
            attempts[last].state = e.state
            if e.state.isTerminal { attempts[last].end = e.time }
            attempts[last].exitCode = e.exitCode ?? attempts[last].exitCode
            attempts[last].log = e.log ?? attempts[last].log
            attempts[last].logBytes = e.logBytes ?? attempts[last].logBytes
            attempts[last].message = e.message ?? attempts[last].message
            attempts[last].cacheHit = e.cacheHit ?? attempts[last].cacheHit
        } else {
            attempts.append(AttemptRecord(attempt: e.attempt, state: e.state, exitCode: e.exitCode,
                                          start: e.time, end: e.state.isTerminal ? e.time : nil,
                                          log: e.log, logBytes: e.logBytes, message: e.message, cacheHit: e.cacheHit ?? false))
        }
    }

    /// Sets a map instance's label and item from the `mapped` line. A mutating
    /// method on purpose: `describe(&instances[i])` through a non-mutating one
    /// had to copy `self` for the call, which made the inout write copy the
    /// whole `instances` array, once per new instance (quadratic in a run's size).
    private mutating func describeInstance(at index: Int) {
        guard let i = instances[index].key.mapIndex else { return }
        let task = instances[index].key.task
        let (labels, items) = lastMapped.flatMap { $0.task == task ? ($0.labels, $0.items) : nil } ?? (mappedLabels[task], mappedItems[task])
        let label = labels.flatMap { i < $0.count ? $0[i] : nil }
        let item = items.flatMap { i < $0.count ? $0[i] : nil }
        instances[index].label = label
        instances[index].item = item
    }

    public func instance(_ key: InstanceKey) -> InstanceRecord? {
        position[key].map { instances[$0] }
    }

    /// Instances in the plan's task order (then map index); tasks the order
    /// does not know keep their journal order at the end.
    public func orderedInstances(taskOrder: [String]) -> [InstanceRecord] {
        orderedPositions(taskOrder: taskOrder).map { instances[$0] }
    }

    /// The positions in `instances` of `orderedInstances(taskOrder:)`, for a
    /// reader that reads the records in place: a copy of one retained and
    /// released a dozen fields (the summary at the end of every run reads them all).
    public func orderedPositions(taskOrder: [String]) -> [Int] {
        var rank: [String: Int] = [:]
        for (i, task) in taskOrder.enumerated() where rank[task] == nil { rank[task] = i }
        let fallback = taskOrder.count
        // Each instance's rank is looked up once, not twice per comparison, and
        // only when its task is not the one before it (a mapped task's
        // instances are recorded one after another).
        var ranks: [Int] = []
        ranks.reserveCapacity(instances.count)
        var previous: (task: String, rank: Int)?
        for i in instances.indices {
            let task = instances[i].key.task
            if let previous, previous.task == task {
                ranks.append(previous.rank)
            } else {
                let taskRank = rank[task] ?? fallback
                ranks.append(taskRank)
                previous = (task, taskRank)
            }
        }
        func precedes(_ a: Int, _ b: Int) -> Bool {
            let ra = ranks[a], rb = ranks[b]
            if ra != rb { return ra < rb }
            if ra == fallback, instances[a].key.task != instances[b].key.task { return a < b }
            return (instances[a].key.mapIndex ?? -1) < (instances[b].key.mapIndex ?? -1)
        }
        // Instances are usually recorded in this order already. When no
        // instance precedes the one before it, the stable sort would keep
        // them as they are: so they are kept without sorting.
        let positions = Array(instances.indices)
        if !positions.indices.dropFirst().contains(where: { precedes($0, $0 - 1) }) { return positions }
        return positions.sorted(by: precedes)
    }

    /// The run's state: from `run_finished`, else running while its writer
    /// holds the journal's lock, else interrupted (it died without finishing).
    public func state(writerAlive: Bool) -> PipelineRunState {
        if let finishedState { return finishedState }
        return writerAlive ? .running : .interrupted
    }

    /// Counts of final instance states.
    public var stateCounts: [TaskState: Int] {
        var counts: [TaskState: Int] = [:]
        for instance in instances { counts[instance.state, default: 0] += 1 }
        return counts
    }
}
