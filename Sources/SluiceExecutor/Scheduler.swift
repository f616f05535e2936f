import SluicePlan

/// One task instance by task index, as the scheduler and executor address it.
struct InstanceRef: Hashable, Sendable, Comparable {
    var task: Int
    var mapIndex: Int?

    static func < (a: InstanceRef, b: InstanceRef) -> Bool {
        (a.task, a.mapIndex ?? -1) < (b.task, b.mapIndex ?? -1)
    }
}

/// What the scheduler decided; the executor journals and reports each one.
enum SchedulerEvent: Equatable, Sendable {
    /// The instance may start as soon as a slot frees.
    case queued(InstanceRef)
    /// Decided without running: skipped, upstream_failed, or failed (a
    /// `foreach` whose list could not be read, an abandoned retry).
    case settled(InstanceRef, TaskState, String)
    /// A `foreach` task's trigger rule is met: the executor reads its list
    /// and calls `expand` (or `failExpansion`).
    case needsExpansion(task: Int)
}

/// The pure heart of a run (no processes, no clock, no files): trigger rules,
/// branch skipping, `foreach` expansion, and a ready queue ordered by critical
/// path under the global and per-pool limits. The executor feeds it outcomes
/// and starts what `takeNext` hands out; tests drive it directly.
struct Scheduler: Sendable {
    enum Phase: Equatable, Sendable {
        case waiting, ready, running, retryWait
        /// Still running (its outcome pending), its process gone and its slot
        /// handed back early (`releaseSlot`).
        case ending
        case done(TaskState)
    }

    private struct TaskSlot: Sendable {
        var decided = false
        var awaitingExpansion = false
        var instances: [Phase] = [.waiting]
        /// What this task contributes to its downstream tasks' counts.
        var contribution = UpstreamCounts(total: 1)
        var open = 1
        var branchChoices: Set<Int>? = nil
        /// The state the task settled in as a whole (never expanded into map
        /// instances): what a task mapped over its output looks at.
        var wholeState: TaskState? = nil
    }

    let graph: RunGraph
    let maxActive: Int
    private var slots: [TaskSlot]
    private var freeQueue = MinHeap<ReadyEntry>()
    private var poolQueues: [MinHeap<ReadyEntry>]
    private var immediate: [InstanceRef] = []
    private var immediateHead = 0
    private(set) var running = 0
    private(set) var poolRunning: [Int]
    /// Pools whose every shared slot another run holds (`deferForSharedSlot`):
    /// none of their instances is handed out until `reopenPool`.
    private(set) var poolWaiting: [Bool]
    private(set) var openTasks: Int
    private(set) var stopped = false
    private var events: [SchedulerEvent] = []
    /// Tasks whose upstream counts changed: evaluated by `flush` in a loop,
    /// not by recursion, so a 10,000-task chain of skips cannot overflow the stack.
    private var dirty: [Int] = []
    private(set) var waitingRetries = 0

    init(graph: RunGraph, maxActive: Int) {
        self.graph = graph
        self.maxActive = max(1, maxActive)
        self.slots = graph.tasks.map { task in
            var slot = TaskSlot()
            if task.isMapped { slot.instances = [] }
            return slot
        }
        self.poolQueues = Array(repeating: MinHeap<ReadyEntry>(), count: graph.poolSlots.count)
        self.poolRunning = Array(repeating: 0, count: graph.poolSlots.count)
        self.poolWaiting = Array(repeating: false, count: graph.poolSlots.count)
        self.openTasks = graph.count
    }

    /// Every task decided and every instance finished.
    var isComplete: Bool { openTasks == 0 }

    /// Instances handed out by `takeNext` and not finished yet, plus those waiting to retry.
    var hasWorkInFlight: Bool { running > 0 || waitingRetries > 0 }

    func phase(_ ref: InstanceRef) -> Phase? {
        let instances = slots[ref.task].instances
        let i = ref.mapIndex ?? 0
        return i < instances.count ? instances[i] : nil
    }

    /// The state a task stands in after its trigger rule settled it without expanding.
    func expandedCount(_ task: Int) -> Int? {
        graph.tasks[task].isMapped && slots[task].decided && !slots[task].awaitingExpansion ? slots[task].instances.count : nil
    }

    // MARK: - Driving

    /// Evaluates every task once; call before the first `takeNext`.
    mutating func start() -> [SchedulerEvent] {
        dirty = graph.order.indices.sorted(by: { graph.order[$0] > graph.order[$1] })
        return drainEvents()
    }

    /// The best ready instance that fits the limits, now counted as running.
    /// Empty tasks (no process) never wait for a slot.
    mutating func takeNext() -> InstanceRef? {
        if immediateHead < immediate.count {
            let ref = immediate[immediateHead]
            immediateHead += 1
            if immediateHead == immediate.count { immediate.removeAll(keepingCapacity: true); immediateHead = 0 }
            set(ref, .running)
            return ref
        }
        guard !stopped, running < maxActive else { return nil }
        var best: ReadyEntry? = freeQueue.first
        var bestPool: Int? = nil
        for p in poolQueues.indices where poolRunning[p] < graph.poolSlots[p] && !poolWaiting[p] {
            if let top = poolQueues[p].first, best.map({ top < $0 }) ?? true {
                best = top
                bestPool = p
            }
        }
        guard let entry = best else { return nil }
        if let p = bestPool { _ = poolQueues[p].pop(); poolRunning[p] += 1 } else { _ = freeQueue.pop() }
        running += 1
        set(entry.ref, .running)
        return entry.ref
    }

    /// The instance's process is gone: its slot may go to the next task while
    /// the executor still reads the outputs. The instance stays running until
    /// `finish` or `retryLater`.
    mutating func releaseSlot(_ ref: InstanceRef) {
        guard phase(ref) == .running else { return }
        releaseCounters(ref)
        // A phase of its own, not a set of such instances beside the phases: a lookup
        // to insert and one to remove hashed every instance's reference twice.
        set(ref, .ending)
    }

    /// An instance `takeNext` handed out found every slot of its pool taken
    /// by other runs (docs/executor.md "Pools across runs"): it goes back to
    /// the ready queue without a queued event, its slots free, and its pool
    /// hands out nothing until `reopenPool`, so other ready tasks go on.
    mutating func deferForSharedSlot(_ ref: InstanceRef) {
        guard phase(ref) == .running, let p = graph.poolOf[ref.task] else { return }
        releaseCounters(ref)
        set(ref, .ready)
        poolWaiting[p] = true
        poolQueues[p].push(ReadyEntry(priority: graph.priority[ref.task], order: graph.order[ref.task], ref: ref))
    }

    /// The pool may hand out instances again (a shared slot may have freed).
    mutating func reopenPool(_ p: Int) {
        if p < poolWaiting.count { poolWaiting[p] = false }
    }

    /// A running instance ended for good.
    mutating func finish(_ ref: InstanceRef, _ state: TaskState) -> [SchedulerEvent] {
        release(ref)
        settleInstance(ref, state)
        return drainEvents()
    }

    /// A running instance failed and will retry: its slot frees now; `requeue` it when the delay is over.
    mutating func retryLater(_ ref: InstanceRef) {
        release(ref)
        set(ref, .retryWait)
        waitingRetries += 1
    }

    mutating func requeue(_ ref: InstanceRef) -> [SchedulerEvent] {
        guard phase(ref) == .retryWait else { return [] }
        waitingRetries -= 1
        makeReady(ref)
        return drainEvents()
    }

    /// A branch task's choices (task indexes); applied when the task finishes successfully.
    mutating func chooseBranch(task: Int, choices: Set<Int>) {
        slots[task].branchChoices = (slots[task].branchChoices ?? []).union(choices)
    }

    /// A `foreach` task's list has `count` items: its instances become ready (none: skipped).
    mutating func expand(task: Int, count: Int) -> [SchedulerEvent] {
        guard slots[task].awaitingExpansion else { return [] }
        slots[task].awaitingExpansion = false
        if count == 0 {
            slots[task].instances = [.waiting]
            settleInstance(InstanceRef(task: task, mapIndex: nil), .skipped, reason: "foreach over an empty list")
            return drainEvents()
        }
        slots[task].instances = Array(repeating: .waiting, count: count)
        slots[task].open = count
        slots[task].contribution = UpstreamCounts(total: count)
        for i in 0..<count { makeReady(InstanceRef(task: task, mapIndex: i)) }
        return drainEvents()
    }

    /// A `foreach` task whose list could not be read fails as a whole.
    mutating func failExpansion(task: Int, message: String) -> [SchedulerEvent] {
        guard slots[task].awaitingExpansion else { return [] }
        slots[task].awaitingExpansion = false
        slots[task].instances = [.waiting]
        settleInstance(InstanceRef(task: task, mapIndex: nil), .failed, reason: message)
        return drainEvents()
    }

    /// `--fail-fast` and cancellation: nothing new starts. Running instances
    /// finish through `finish`; call `abandon` once none are left.
    mutating func stopStarting() { stopped = true }

    /// Settles everything that never ran: `reason` says why. A retry that was
    /// still waiting keeps the failure of its last attempt.
    mutating func abandon(reason: String) -> [SchedulerEvent] {
        // Mark every task decided first, so settling one cannot queue another.
        var settle: [(InstanceRef, TaskState, String)] = []
        for task in slots.indices {
            if !slots[task].decided || slots[task].awaitingExpansion {
                slots[task].decided = true
                slots[task].awaitingExpansion = false
                if graph.tasks[task].isMapped { slots[task].instances = [.waiting] }
                settle.append((InstanceRef(task: task, mapIndex: nil), .skipped, reason))
                continue
            }
            for i in slots[task].instances.indices {
                let ref = InstanceRef(task: task, mapIndex: graph.tasks[task].isMapped ? i : nil)
                switch slots[task].instances[i] {
                case .waiting, .ready: settle.append((ref, .skipped, reason))
                case .retryWait:
                    waitingRetries -= 1
                    settle.append((ref, .failed, "not retried: " + reason))
                case .running, .ending, .done: break
                }
            }
        }
        for (ref, state, why) in settle { settleInstance(ref, state, reason: why) }
        freeQueue = MinHeap()
        poolQueues = poolQueues.map { _ in MinHeap() }
        immediate.removeAll()
        immediateHead = 0
        return drainEvents()
    }

    // MARK: - Internals

    private mutating func drainEvents() -> [SchedulerEvent] {
        while let task = dirty.popLast() { evaluate(task) }
        // Most calls (an instance's end) have nothing to report: the empty array
        // costs nothing, where emptying `events` while the caller shared its
        // storage made a new buffer of the same capacity for every call.
        guard !events.isEmpty else { return [] }
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    private mutating func set(_ ref: InstanceRef, _ phase: Phase) {
        slots[ref.task].instances[ref.mapIndex ?? 0] = phase
    }

    private mutating func release(_ ref: InstanceRef) {
        guard phase(ref) == .running else { return }
        releaseCounters(ref)
    }

    private mutating func releaseCounters(_ ref: InstanceRef) {
        guard graph.tasks[ref.task].kind != .empty else { return }
        running -= 1
        if let p = graph.poolOf[ref.task] {
            poolRunning[p] -= 1
            // This run just gave a shared slot back: worth asking again at once.
            poolWaiting[p] = false
        }
    }

    private mutating func makeReady(_ ref: InstanceRef) {
        set(ref, .ready)
        events.append(.queued(ref))
        if graph.tasks[ref.task].kind == .empty {
            immediate.append(ref)
            return
        }
        let entry = ReadyEntry(priority: graph.priority[ref.task], order: graph.order[ref.task], ref: ref)
        if let p = graph.poolOf[ref.task] { poolQueues[p].push(entry) } else { freeQueue.push(entry) }
    }

    /// Records a terminal state for one instance (or a whole unexpanded task),
    /// then lets the change flow downstream.
    private mutating func settleInstance(_ ref: InstanceRef, _ state: TaskState, reason: String? = nil) {
        let index = ref.mapIndex ?? 0
        guard index < slots[ref.task].instances.count else { return }
        if case .done = slots[ref.task].instances[index] { return }
        slots[ref.task].instances[index] = .done(state)
        slots[ref.task].decided = true
        if ref.mapIndex == nil { slots[ref.task].wholeState = state }
        if let reason { events.append(.settled(ref, state, reason)) }
        switch state {
        case .success, .cached: slots[ref.task].contribution.success += 1
        case .skipped: slots[ref.task].contribution.skipped += 1
        case .upstreamFailed: slots[ref.task].contribution.upstreamFailed += 1
        case .failed: slots[ref.task].contribution.failed += 1
        // An interrupted run stops; its downstream tasks stay undecided for `--resume`.
        case .interrupted, .queued, .running: break
        }
        slots[ref.task].open -= 1
        if slots[ref.task].open == 0 {
            openTasks -= 1
            if state == .success || slots[ref.task].contribution.success > 0 { applyBranch(ref.task) }
        }
        if state != .interrupted { propagate(from: ref.task) }
    }

    /// Airflow's `SkipMixin.skip_all_except`: the branch follows its chosen
    /// tasks and every task below them, and skips each other direct
    /// downstream task. A direct downstream that is also below a chosen task
    /// (Airflow's "join") is left to its trigger rule.
    private mutating func applyBranch(_ task: Int) {
        guard let choices = slots[task].branchChoices, graph.tasks[task].branch != nil else { return }
        let unchosen = graph.downstream[task].filter { !choices.contains($0) && !slots[$0].decided }
        guard !unchosen.isEmpty else { return }
        let followed = graph.reached(from: choices, lookingFor: Set(unchosen))
        for next in unchosen where !followed.contains(next) && !slots[next].decided {
            slots[next].decided = true
            if graph.tasks[next].isMapped { slots[next].instances = [.waiting] }
            settleInstance(InstanceRef(task: next, mapIndex: nil), .skipped,
                           reason: "branch \"\(graph.tasks[task].id)\" did not choose it")
        }
    }

    private mutating func propagate(from task: Int) {
        dirty.append(contentsOf: graph.downstream[task].reversed())
    }

    private mutating func evaluate(_ task: Int) {
        guard !slots[task].decided else { return }
        var counts = UpstreamCounts()
        for up in graph.upstream[task] { counts = counts + slots[up].contribution }
        var decision = graph.tasks[task].triggerRule.decide(counts)
        if decision != .upstreamFailed, let (producer, state) = unsuccessfulMappedDependency(task) {
            let settled: TaskState = state == .skipped ? .skipped : .upstreamFailed
            if decision != .skip || settled == .upstreamFailed {
                slots[task].instances = [.waiting]
                settleInstance(InstanceRef(task: task, mapIndex: nil), settled,
                               reason: "foreach over \"\(graph.tasks[producer].id)\", which ended \(state.rawValue)")
                return
            }
            decision = .skip
        }
        switch decision {
        case .wait:
            return
        case .run:
            slots[task].decided = true
            if graph.tasks[task].isMapped {
                slots[task].awaitingExpansion = true
                events.append(.needsExpansion(task: task))
            } else {
                makeReady(InstanceRef(task: task, mapIndex: nil))
            }
        case .skip:
            if graph.tasks[task].isMapped { slots[task].instances = [.waiting] }
            settleInstance(InstanceRef(task: task, mapIndex: nil), .skipped, reason: Self.reason(.skip, counts, graph.tasks[task].triggerRule))
        case .upstreamFailed:
            if graph.tasks[task].isMapped { slots[task].instances = [.waiting] }
            settleInstance(InstanceRef(task: task, mapIndex: nil), .upstreamFailed,
                           reason: Self.reason(.upstreamFailed, counts, graph.tasks[task].triggerRule))
        }
    }

    /// Airflow's `MappedTaskUpstreamDep`: a task mapped over an upstream
    /// output cannot expand when that upstream ended skipped, failed or
    /// upstream_failed as a whole (a mapped upstream that expanded counts as
    /// having succeeded, as Airflow looks only at its unexpanded instance).
    private func unsuccessfulMappedDependency(_ task: Int) -> (Int, TaskState)? {
        guard graph.tasks[task].isMapped, case .output(let reference)? = graph.tasks[task].foreach,
              let producer = graph.index[reference.task], let state = slots[producer].wholeState else { return nil }
        switch state {
        case .skipped, .failed, .upstreamFailed: return (producer, state)
        case .success, .cached, .interrupted, .queued, .running: return nil
        }
    }

    private static func reason(_ decision: TriggerDecision, _ c: UpstreamCounts, _ rule: TriggerRule) -> String {
        var parts: [String] = []
        if c.success > 0 { parts.append("\(c.success) success") }
        if c.failed > 0 { parts.append("\(c.failed) failed") }
        if c.upstreamFailed > 0 { parts.append("\(c.upstreamFailed) upstream_failed") }
        if c.skipped > 0 { parts.append("\(c.skipped) skipped") }
        let pending = c.total - c.done
        if pending > 0 { parts.append("\(pending) not done") }
        return "trigger rule \(rule.rawValue) with upstream " + parts.joined(separator: ", ")
    }
}

/// Ready-queue order: longest path to the end first, then plan order, then map index.
struct ReadyEntry: Comparable, Sendable {
    var priority: Int
    var order: Int
    var ref: InstanceRef

    static func < (a: ReadyEntry, b: ReadyEntry) -> Bool {
        if a.priority != b.priority { return a.priority > b.priority }
        if a.order != b.order { return a.order < b.order }
        return (a.ref.mapIndex ?? -1) < (b.ref.mapIndex ?? -1)
    }
}
