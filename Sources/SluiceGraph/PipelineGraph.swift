import SluicePlan

/// What every renderer draws for one plan, decided once so DOT, Mermaid and
/// ASCII agree on nodes, edges and their labels. Tolerant of plans that were
/// edited by hand: a `needs` naming no task, a duplicate or a self-reference
/// is left out rather than trusted.
struct PipelineGraph {
    /// How a task is drawn: the renderers map each to their own shapes.
    enum Shape: Equatable {
        /// A command or trigger task: a box.
        case task
        /// A branch task: a diamond.
        case branch
        /// Neither `run` nor `trigger`: a small circle.
        case empty
    }

    struct Node {
        /// The plan's tasks (shared, not copied) and this node's position in
        /// them: a copy of the task in every node was as much fresh memory
        /// again as the plan's task array (2.7 MB at 10,000 tasks), and
        /// fresh memory is slow to touch on this VM (docs/speed.md, "plan3").
        private let tasks: [PlanTask]
        let index: Int
        let shape: Shape
        /// `foreach` tasks are drawn as a stack.
        let mapped: Bool
        /// The pipeline a trigger task starts. Stored, not computed: reading
        /// a computed property of `nodes[i]` copied the whole node for every
        /// task of every drawing.
        let triggers: String?

        /// The node's task (a copy: the DOT writer, which draws large plans,
        /// reads `plan.tasks[i]` in place instead).
        var task: PlanTask { tasks[index] }

        init(_ tasks: [PlanTask], _ index: Int) {
            self.tasks = tasks
            self.index = index
            shape = tasks[index].branch != nil ? .branch : (tasks[index].kind == .empty ? .empty : .task)
            mapped = tasks[index].isMapped
            triggers = tasks[index].kind == .trigger ? tasks[index].trigger?.pipeline : nil
        }
    }

    enum EdgeKind: Equatable {
        /// An entry of the head's `needs`.
        case needs
        /// The head reads outputs of a transitive upstream it does not need
        /// directly: drawn dotted so the data contract stays visible.
        case data
    }

    struct Edge {
        var from: Int
        var to: Int
        var kind: EdgeKind
        /// The outputs of `from` that `to` reads, sorted by name.
        var outputs: [OutputReference]
    }

    let plan: Plan
    let nodes: [Node]
    /// Grouped by head in plan order; within a head, `needs` edges in spec
    /// order, then data edges by producer name (the plan's `reads` order).
    let edges: [Edge]
    /// Triggered pipelines, each once, in the order their trigger tasks appear.
    let triggeredPipelines: [String]

    init(plan: Plan) {
        self.plan = plan
        let nodes = plan.tasks.indices.map { Node(plan.tasks, $0) }
        self.nodes = nodes
        // Indices and subscripts below, not `for task in`, which copies each task (a dozen retains).
        var index = [String: Int](minimumCapacity: plan.tasks.count)
        for i in plan.tasks.indices where index[plan.tasks[i].id] == nil { index[plan.tasks[i].id] = i }
        edges = Self.edges(of: plan.tasks, index: index)
        var seen = Set<String>()
        triggeredPipelines = nodes.indices.compactMap { nodes[$0].triggers }.filter { seen.insert($0).inserted }
    }

    /// Every head's edges, heads in plan order. Which tails a head is already
    /// linked to is marked in one array for the whole plan, stamped with the
    /// head, rather than in a set (and a dictionary) allocated per task.
    private static func edges(of tasks: [PlanTask], index: [String: Int]) -> [Edge] {
        var result: [Edge] = []
        // The last head with an edge from task i, and where that head's data edge from i is (-1: its edge is a `needs` one).
        var linkedTo = [Int](repeating: -1, count: tasks.count)
        var dataEdge = [Int](repeating: -1, count: tasks.count)
        for head in tasks.indices {
            let reads = tasks[head].reads.outputs
            for name in tasks[head].needs {
                guard let from = index[name], from != head, linkedTo[from] != head else { continue }
                linkedTo[from] = head
                dataEdge[from] = -1
                result.append(Edge(from: from, to: head, kind: .needs, outputs: reads.filter { $0.task == name }))
            }
            for reference in reads {
                guard let from = index[reference.task], from != head else { continue }
                if linkedTo[from] != head {
                    linkedTo[from] = head
                    dataEdge[from] = result.count
                    result.append(Edge(from: from, to: head, kind: .data, outputs: [reference]))
                } else if dataEdge[from] >= 0 {
                    result[dataEdge[from]].outputs.append(reference)
                }
            }
        }
        return result
    }
}

extension OutputReference {
    /// How an edge label names this output: `bars[]` when a mapped producer
    /// hands it downstream as a list.
    var edgeLabel: String { mapped ? output + "[]" : output }

    /// `ingest.raw: table(ts: timestamp, ...)`, for tooltips.
    var typedName: String { "\(task).\(output): \(type)" }
}

extension PlanTask {
    /// `foreach params.tickers` or `foreach fetch.tickers`.
    var foreachCaption: String? {
        switch foreach {
        case nil: nil
        case .param(let path)?: "foreach params." + path.joined(separator: ".")
        case .output(let reference)?: "foreach \(reference.task).\(reference.output)"
        }
    }
}

/// Hands out identifiers that are unique within one drawing: the preferred
/// one when it is free, else the preferred one with a counter. Spec names are
/// unique already; this only matters for hand-edited plans and for the
/// renderer's own nodes (legend, pipeline nodes), which must never take a
/// task's name.
struct UniqueNames {
    private var used = Set<String>()
    private var next: [String: Int] = [:]
    private let separator: String

    init(separator: String) { self.separator = separator }

    /// Room for `count` names before the set grows (a drawing claims one a task).
    mutating func reserveCapacity(_ count: Int) { used.reserveCapacity(count) }

    mutating func claim(_ preferred: String) -> String {
        if used.insert(preferred).inserted { return preferred }
        var n = next[preferred] ?? 2
        while !used.insert(preferred + separator + String(n)).inserted { n += 1 }
        next[preferred] = n + 1
        return preferred + separator + String(n)
    }
}

/// Text made safe to print in any drawing: control characters (which no
/// DOT, SVG or terminal output should carry; NUL would even end a C string
/// inside Graphviz) become U+FFFD, tabs spaces, and every line break `\n`.
/// Noncharacters U+FFFE/U+FFFF are replaced too: XML forbids them, and the
/// SVG Graphviz writes is XML.
func printable(_ text: String) -> String {
    // Nearly all text is printable ASCII already: skip the rebuild.
    if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
    var out = String.UnicodeScalarView()
    var previousWasCR = false
    for scalar in text.unicodeScalars {
        if let shown = Printable.scalar(scalar, afterCR: previousWasCR) { out.append(shown) }
        previousWasCR = scalar == "\r"
    }
    return String(out)
}

extension [UInt8] {
    /// Appends the UTF-8 of `text`, copied whole from its storage: appending
    /// `text.utf8` goes a byte at a time, and a drawing of 10,000 tasks is
    /// megabytes of names.
    mutating func appendUTF8(_ text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }
}

extension String {
    /// The text on one line: each line break a space (for ASCII boxes and list lines).
    func replacingNewlines() -> String {
        guard utf8.contains(0x0A) else { return self }
        return String(unicodeScalars.map { $0 == "\n" ? " " : Character($0) })
    }
}
