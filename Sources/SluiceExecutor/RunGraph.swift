import SluiceBasics
import SluicePlan

/// A plan that failed the executor's own checks (a hand-written plan.json can
/// name a task that does not exist, hold a cycle, or use an undeclared pool).
public struct PlanValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The plan's tasks as integer-indexed adjacency, with what the scheduler
/// needs precomputed: downstream lists, pool indexes and each task's
/// critical-path priority. Built once per run; the plan is the only input.
struct RunGraph: Sendable {
    let tasks: [PlanTask]
    let index: [String: Int]
    let upstream: [[Int]]
    let downstream: [[Int]]
    /// Length (in tasks) of the longest path from the task to the end of the
    /// pipeline, itself included: the ready queue starts the largest first.
    let priority: [Int]
    /// Position in a topological order: the tie-breaker after priority.
    let order: [Int]
    let poolOf: [Int?]
    let poolSlots: [Int]
    let poolNames: [String]

    init(_ plan: Plan) throws(PlanValidationError) {
        var index: [String: Int] = [:]
        for (i, task) in plan.tasks.enumerated() {
            guard index.updateValue(i, forKey: task.id) == nil else {
                throw PlanValidationError("the plan declares task \"\(task.id)\" twice")
            }
        }
        var upstream: [[Int]] = Array(repeating: [], count: plan.tasks.count)
        var downstream: [[Int]] = Array(repeating: [], count: plan.tasks.count)
        for (i, task) in plan.tasks.enumerated() {
            for need in task.needs {
                guard let j = index[need] else {
                    throw PlanValidationError("task \"\(task.id)\" needs \"\(need)\", which is not a task of the plan")
                }
                guard !upstream[i].contains(j) else { continue }
                upstream[i].append(j)
                downstream[j].append(i)
            }
        }
        let topo = try RunGraph.topologicalOrder(plan.tasks, upstream: upstream, downstream: downstream)
        var order = Array(repeating: 0, count: plan.tasks.count)
        for (position, task) in topo.enumerated() { order[task] = position }
        var priority = Array(repeating: 1, count: plan.tasks.count)
        for task in topo.reversed() {
            priority[task] = 1 + (downstream[task].map { priority[$0] }.max() ?? 0)
        }
        var poolIndex: [String: Int] = [:]
        for (i, pool) in plan.pools.enumerated() { poolIndex[pool.name] = i }
        var poolOf: [Int?] = []
        for task in plan.tasks {
            guard let name = task.pool else { poolOf.append(nil); continue }
            guard let p = poolIndex[name] else {
                throw PlanValidationError("task \"\(task.id)\" uses pool \"\(name)\", which the plan does not declare")
            }
            poolOf.append(p)
        }
        try RunGraph.checkBranches(plan.tasks, index: index, downstream: downstream)
        self.tasks = plan.tasks
        self.index = index
        self.upstream = upstream
        self.downstream = downstream
        self.priority = priority
        self.order = order
        self.poolOf = poolOf
        self.poolSlots = plan.pools.map { max(1, $0.slots) }
        self.poolNames = plan.pools.map(\.name)
    }

    var count: Int { tasks.count }

    /// Which of `targets` lie below (are downstream of, at any depth) one of
    /// `tasks`. The walk stops once every target is found, so a branch whose
    /// other direct downstream tasks sit right below its choice costs little.
    func reached(from tasks: Set<Int>, lookingFor targets: Set<Int>) -> Set<Int> {
        var found = Set<Int>()
        var seen = Set<Int>()
        var stack = Array(tasks)
        while let t = stack.popLast(), found.count < targets.count {
            for d in downstream[t] where seen.insert(d).inserted {
                if targets.contains(d) { found.insert(d) }
                stack.append(d)
            }
        }
        return found
    }

    /// Kahn's algorithm; ties go to the earlier task in the plan, so a plan
    /// already in topological order keeps its order.
    private static func topologicalOrder(_ tasks: [PlanTask], upstream: [[Int]], downstream: [[Int]]) throws(PlanValidationError) -> [Int] {
        let order = TopologicalOrder.sorted(upstream: upstream, downstream: downstream, ready: ReadyHeap(ByIndex()))
        guard order.count == tasks.count else {
            let placed = Set(order)
            let stuck = tasks.indices.filter { !placed.contains($0) }.map { "\"\(tasks[$0].id)\"" }
            throw PlanValidationError("the plan's tasks form a cycle (among \(stuck.prefix(5).joined(separator: ", ")))")
        }
        return order
    }

    private static func checkBranches(_ tasks: [PlanTask], index: [String: Int], downstream: [[Int]]) throws(PlanValidationError) {
        for (i, task) in tasks.enumerated() {
            for choice in task.branch ?? [] {
                guard let j = index[choice], downstream[i].contains(j) else {
                    throw PlanValidationError("branch choice \"\(choice)\" of task \"\(task.id)\" is not a direct downstream task")
                }
            }
            if task.kind == .trigger, task.trigger == nil {
                throw PlanValidationError("trigger task \"\(task.id)\" names no pipeline")
            }
            if task.kind == .command, task.run == nil {
                throw PlanValidationError("command task \"\(task.id)\" has no run")
            }
        }
    }
}

/// A binary min-heap; the scheduler's ready queues and timers are built on it.
struct MinHeap<Element: Comparable>: Sendable where Element: Sendable {
    private(set) var items: [Element] = []

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }
    var first: Element? { items.first }

    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            guard smallest != parent else { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
