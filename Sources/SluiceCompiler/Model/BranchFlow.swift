import SluiceBasics
import SluicePlan
import SluiceSpec

/// How branch skips flow through a pipeline. A branch task skips its
/// unchosen direct downstream tasks except those below a chosen task
/// (Airflow's `skip_all_except`), and a task whose trigger rule gives up
/// on a skipped upstream (`all_success`, `all_failed`, `none_skipped`) is
/// skipped in turn; any other rule is a join that stops the flow.
/// `gates[t]` lists the branch choices whose skipping would skip task `t`.
public struct BranchFlow: Sendable {
    /// Per task, sorted: the choice tasks that gate it.
    public let gates: [[Int]]
    /// Per choice task: the branch tasks that choose it.
    public let branchesChoosing: [Int: [Int]]

    public init(_ spec: PipelineSpec, graph: TaskGraph) {
        var choosing: [Int: [Int]] = [:]
        for (b, task) in spec.tasks.enumerated() {
            for choice in task.branch ?? [] {
                guard let c = graph.index[choice.value], c != b, !(choosing[c]?.contains(b) ?? false) else { continue }
                choosing[c, default: []].append(b)
            }
        }
        branchesChoosing = choosing
        var gates = [[Int]](repeating: [], count: graph.count)
        guard !choosing.isEmpty, let order = Self.topologicalOrder(graph) else {
            self.gates = gates
            return
        }
        // A choice below another choice of the same branch runs when either
        // is picked, so its own skipping does not decide it: only what it
        // inherits from above does.
        var belowAnotherChoice: [Int: Set<Int>] = [:]
        for (b, task) in spec.tasks.enumerated() {
            let choices = Set((task.branch ?? []).compactMap { graph.index[$0.value] }.filter { $0 != b })
            guard choices.count >= 2 else { continue }
            for c in Self.descendants(of: choices, graph) where choices.contains(c) { belowAnotherChoice[c, default: []].insert(b) }
        }
        for t in order {
            var set = Set<Int>()
            if let branches = choosing[t], branches.contains(where: { !(belowAnotherChoice[t]?.contains($0) ?? false) }) {
                set.insert(t)
            }
            if Self.propagatesSkips(Self.triggerRule(of: spec.tasks[t], spec)) {
                for u in graph.upstream[t] { set.formUnion(gates[u]) }
            }
            gates[t] = set.sorted()
        }
        self.gates = gates
    }

    /// A task whose running depends on what some branch picks.
    public func isConditional(_ task: Int) -> Bool { gates.indices.contains(task) && !gates[task].isEmpty }

    public static func triggerRule(of task: TaskSpec, _ spec: PipelineSpec) -> TriggerRule? {
        guard let text = task.settings.triggerRule?.value ?? spec.defaults.triggerRule?.value else { return .allSuccess }
        return TriggerRule(rawValue: text)
    }

    /// Every task downstream (at any depth) of one of `tasks`.
    static func descendants(of tasks: Set<Int>, _ graph: TaskGraph) -> Set<Int> {
        var seen = Set<Int>()
        var stack = Array(tasks)
        while let t = stack.popLast() {
            for d in graph.downstream[t] where seen.insert(d).inserted { stack.append(d) }
        }
        return seen
    }

    /// Every task upstream (at any depth) of `task`.
    static func ancestors(of task: Int, _ graph: TaskGraph) -> Set<Int> {
        var seen = Set<Int>()
        var stack = [task]
        while let t = stack.popLast() {
            for u in graph.upstream[t] where seen.insert(u).inserted { stack.append(u) }
        }
        return seen
    }

    static func propagatesSkips(_ rule: TriggerRule?) -> Bool {
        switch rule {
        case .allSuccess, .allFailed, .noneSkipped: true
        default: false
        }
    }

    static func topologicalOrder(_ graph: TaskGraph) -> [Int]? {
        let order = TopologicalOrder.sorted(upstream: graph.upstream, downstream: graph.downstream, ready: ReadyInArrivalOrder())
        return order.count == graph.count ? order : nil
    }
}
