import SluiceDiagnostics
import SluiceSpec

/// `cycle`: the dependency graph has a cycle. Every elementary cycle is
/// reported once, rotated to start at its earliest task in the file, listed in
/// data-flow order (`a -> b` means b needs a), and pointed at the `needs`
/// entry that closes it. Enumeration is capped per cyclic component so a
/// dense tangle cannot take exponential time.
struct DependencyCycle: SpecCheck {
    static let maxCyclesPerComponent = 20

    func check(_ context: SpecContext, into sink: inout DiagnosticSink) {
        let graph = context.graph
        for component in graph.cyclicComponents() {
            let cycles = elementaryCycles(in: component, graph)
            for cycle in cycles {
                report(cycle, context, &sink)
            }
            if cycles.count >= Self.maxCyclesPerComponent, let first = component.first {
                let names = component.map { "\"\(graph.names[$0])\"" }.joined(separator: ", ")
                sink.emit(.cycle, at: context.spec.tasks[first].name.range,
                          "tasks \(names) form more cycles than the \(Self.maxCyclesPerComponent) shown")
            }
        }
    }

    /// Cycles rooted at each member in turn, visiting only later members, so
    /// each cycle is found exactly once, from its earliest task.
    private func elementaryCycles(in component: [Int], _ graph: TaskGraph) -> [[Int]] {
        let members = Set(component)
        var cycles: [[Int]] = []
        var budget = 100_000
        for root in component {
            var path = [root], onPath: Set<Int> = [root]
            var work: [(node: Int, edge: Int)] = [(root, 0)]
            while let (node, edge) = work.last, cycles.count < Self.maxCyclesPerComponent, budget > 0 {
                budget -= 1
                let next = graph.downstream[node]
                guard edge < next.count else {
                    work.removeLast(); path.removeLast(); onPath.remove(node)
                    continue
                }
                work[work.count - 1].edge += 1
                let child = next[edge]
                guard members.contains(child), child >= root else { continue }
                if child == root {
                    cycles.append(path)
                } else if !onPath.contains(child) {
                    path.append(child); onPath.insert(child); work.append((child, 0))
                }
            }
        }
        return cycles
    }

    private func report(_ cycle: [Int], _ context: SpecContext, _ sink: inout DiagnosticSink) {
        guard let first = cycle.first, let last = cycle.last else { return }
        let names = context.graph.names
        let listing = (cycle + [first]).map { names[$0] }.joined(separator: " -> ")
        let closer = context.spec.tasks[first]
        let closing = closer.needs.first { $0.value == names[last] }
        sink.emit(.cycle, at: closing?.range ?? closer.name.range, "dependency cycle: \(listing)",
                  notes: ["\"\(names[first])\" needs \"\(names[last])\", which depends on \"\(names[first])\" in turn"],
                  help: "remove one \"needs\" entry along the cycle")
    }
}
