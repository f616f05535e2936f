import SluiceSpec

/// The dependency graph of one pipeline, over task indices in file order.
/// Edges point downstream: `upstream -> downstream` when downstream `needs` upstream.
/// Unknown names and self-edges are left out (their own checks report them).
public struct TaskGraph: Sendable {
    public let names: [String]
    public let index: [String: Int]
    /// For each task, the tasks it needs (resolved, de-duplicated, in `needs` order).
    public let upstream: [[Int]]
    /// For each task, the tasks that need it, in file order.
    public let downstream: [[Int]]

    public init(_ spec: PipelineSpec) {
        let names = spec.tasks.map(\.name.value)
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
        var upstream = [[Int]](repeating: [], count: names.count)
        var downstream = [[Int]](repeating: [], count: names.count)
        for (i, task) in spec.tasks.enumerated() {
            var seen = Set<Int>()
            for need in task.needs {
                guard let j = index[need.value], j != i, seen.insert(j).inserted else { continue }
                upstream[i].append(j)
            }
        }
        for (i, ups) in upstream.enumerated() {
            for j in ups { downstream[j].append(i) }
        }
        self.names = names
        self.index = index
        self.upstream = upstream
        self.downstream = downstream
    }

    public var count: Int { names.count }

    /// Strongly connected components with more than one task (the cyclic parts),
    /// each sorted by file order; found iteratively (Tarjan), so a deep chain
    /// cannot overflow the stack.
    public func cyclicComponents() -> [[Int]] {
        var indexOf = [Int](repeating: -1, count: count), low = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = [], components: [[Int]] = [], next = 0
        for root in 0..<count where indexOf[root] < 0 {
            var work: [(node: Int, edge: Int)] = [(root, 0)]
            indexOf[root] = next; low[root] = next; next += 1
            stack.append(root); onStack[root] = true
            while let (node, edge) = work.last {
                if edge < downstream[node].count {
                    work[work.count - 1].edge += 1
                    let child = downstream[node][edge]
                    if indexOf[child] < 0 {
                        indexOf[child] = next; low[child] = next; next += 1
                        stack.append(child); onStack[child] = true
                        work.append((child, 0))
                    } else if onStack[child] {
                        low[node] = min(low[node], indexOf[child])
                    }
                    continue
                }
                work.removeLast()
                if let parent = work.last?.node { low[parent] = min(low[parent], low[node]) }
                guard low[node] == indexOf[node] else { continue }
                var component: [Int] = []
                while let member = stack.popLast() {
                    onStack[member] = false
                    component.append(member)
                    if member == node { break }
                }
                if component.count > 1 { components.append(component.sorted()) }
            }
        }
        return components.sorted { $0[0] < $1[0] }
    }
}
