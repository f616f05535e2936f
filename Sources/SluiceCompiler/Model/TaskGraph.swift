import SluiceSpec

/// The dependency graph of one pipeline, over task indices in file order.
/// Edges point downstream: `upstream -> downstream` when downstream `needs` upstream.
/// Unknown names and self-edges are left out (their own checks report them).
public struct TaskGraph: Sendable {
    public let names: [String]
    public let index: [String: Int]
    /// For each task, the tasks it needs (resolved, de-duplicated, in `needs` order).
    public let upstream: Adjacency
    /// For each task, the tasks that need it, in file order.
    public let downstream: Adjacency

    /// Each `needs` entry of each task as resolved here (task after task,
    /// entries in order); task `i`'s entries start at `needStarts[i]`.
    /// Checks read it instead of hashing every name again.
    let resolvedNeeds: [ResolvedNeed]
    let needStarts: [Int]

    /// One `needs` entry: the task it names (nil when none has that name), and
    /// whether an earlier entry of the same list names it too.
    struct ResolvedNeed: Sendable {
        let task: Int?
        let isRepeat: Bool
    }

    public init(_ spec: PipelineSpec) {
        let tasks = spec.tasks
        let names = tasks.map(\.name.value)
        var index: [String: Int] = [:]
        index.reserveCapacity(names.count)
        // Backwards, so the first of two equal names is the one kept, with one hash per name.
        for i in names.indices.reversed() { index[names[i]] = i }
        let table = ASCIINameTable(names)
        // Edges in two flat arrays (per task, a run of one array) rather than
        // an array per task: 20,000 allocations fewer on a 10,000-task spec.
        // Sized once: grown by appends, both arrays were copied about 17 times
        // on a 10,000-task spec. (By index: `reduce` copied each task.)
        var needCount = 0
        for i in tasks.indices { needCount += tasks[i].needs.count }
        var upTargets: [Int] = []
        upTargets.reserveCapacity(needCount)
        var upStarts: [Int] = []
        upStarts.reserveCapacity(names.count + 1)
        var resolvedNeeds: [ResolvedNeed] = []
        resolvedNeeds.reserveCapacity(needCount)
        var needStarts: [Int] = []
        needStarts.reserveCapacity(names.count + 1)
        // `lastListedBy[j] == i`: task i's needs already named task j. Cheaper
        // than a set per task, and linear however long a `needs` list is.
        var lastListedBy = [Int](repeating: -1, count: names.count)
        var downstreamCounts = [Int](repeating: 0, count: names.count)
        for i in tasks.indices {
            needStarts.append(resolvedNeeds.count)
            upStarts.append(upTargets.count)
            // By index: `for need in needs` copied each entry, retaining its string.
            let needs = tasks[i].needs
            for n in needs.indices {
                guard let j = Self.resolve(needs[n].value, table, index) else {
                    resolvedNeeds.append(ResolvedNeed(task: nil, isRepeat: false))
                    continue
                }
                let isRepeat = lastListedBy[j] == i
                resolvedNeeds.append(ResolvedNeed(task: j, isRepeat: isRepeat))
                lastListedBy[j] = i
                guard j != i, !isRepeat else { continue }
                upTargets.append(j)
                downstreamCounts[j] += 1
            }
        }
        needStarts.append(resolvedNeeds.count)
        upStarts.append(upTargets.count)
        // Downstream edges by counting: each task's run sized first, then filled in file order.
        var downStarts = [Int](repeating: 0, count: names.count + 1)
        for j in names.indices { downStarts[j + 1] = downStarts[j] + downstreamCounts[j] }
        var cursor = Array(downStarts.dropLast())
        var downTargets = [Int](repeating: 0, count: upTargets.count)
        for i in names.indices {
            for e in upStarts[i]..<upStarts[i + 1] {
                let j = upTargets[e]
                downTargets[cursor[j]] = i
                cursor[j] += 1
            }
        }
        let upstream = Adjacency(starts: upStarts, targets: upTargets)
        let downstream = Adjacency(starts: downStarts, targets: downTargets)
        self.names = names
        self.index = index
        self.upstream = upstream
        self.downstream = downstream
        self.resolvedNeeds = resolvedNeeds
        self.needStarts = needStarts
    }

    /// Task `task`'s `needs` entries as resolved, in order.
    func resolvedNeeds(of task: Int) -> ArraySlice<ResolvedNeed> {
        guard task + 1 < needStarts.count else { return [] }
        return resolvedNeeds[needStarts[task]..<needStarts[task + 1]]
    }

    public var count: Int { names.count }

    /// Edges of every task, flat: task `t`'s neighbours are
    /// `targets[starts[t]..<starts[t + 1]]`, read as a zero-based collection.
    public struct Adjacency: RandomAccessCollection, Sendable {
        let starts: [Int]
        let targets: [Int]

        public var startIndex: Int { 0 }
        public var endIndex: Int { starts.count - 1 }

        public subscript(task: Int) -> Neighbors {
            Neighbors(targets: targets, lower: starts[task], upper: starts[task + 1])
        }
    }

    /// One task's neighbours, indexed from zero.
    public struct Neighbors: RandomAccessCollection, Sendable {
        let targets: [Int]
        let lower: Int
        let upper: Int

        public var startIndex: Int { 0 }
        public var endIndex: Int { upper - lower }

        public subscript(position: Int) -> Int {
            precondition(position >= 0 && position < upper - lower, "neighbour index out of range")
            return targets[lower + position]
        }
    }

    /// `index[name]`, by bytes when `table` can decide.
    private static func resolve(_ name: String, _ table: ASCIINameTable?, _ index: [String: Int]) -> Int? {
        switch table?.lookup(name) {
        case .found(let task)?: task
        case .absent?: nil
        case .undecided?, nil: index[name]
        }
    }

    /// Strongly connected components with more than one task (the cyclic parts),
    /// each sorted by file order; found iteratively (Tarjan), so a deep chain
    /// cannot overflow the stack.
    public func cyclicComponents() -> [[Int]] {
        var indexOf = [Int](repeating: -1, count: count), low = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = [], components: [[Int]] = [], next = 0
        // Reused from root to root and component to component: in a DAG every
        // task is a component of its own, and an array apiece would dominate.
        var work: [(node: Int, edge: Int)] = [], component: [Int] = []
        for root in 0..<count where indexOf[root] < 0 {
            work.removeAll(keepingCapacity: true)
            work.append((root, 0))
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
                component.removeAll(keepingCapacity: true)
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

/// Task names by their UTF-8 bytes, to resolve `needs` without hashing
/// `String`s (a byte hash costs a fraction of `String` hashing). Built only
/// when every name is ASCII, where equal bytes mean equal strings; a `needs`
/// entry that is not ASCII is left to `String` equality (`undecided`).
private struct ASCIINameTable {
    enum Lookup { case found(Int), absent, undecided }

    private let names: [String]
    /// Open addressing: a name's index + 1, or 0; the first of equal names wins.
    private var slots: [Int]

    init?(_ names: [String]) {
        var size = 16
        while size < names.count * 2 { size *= 2 }
        self.names = names
        self.slots = [Int](repeating: 0, count: size)
        for (index, name) in names.enumerated() {
            guard let hash = Self.asciiHash(name) else { return nil }
            var slot = hash & (size - 1)
            while slots[slot] != 0, names[slots[slot] - 1] != name { slot = (slot + 1) & (size - 1) }
            if slots[slot] == 0 { slots[slot] = index + 1 }
        }
    }

    func lookup(_ name: String) -> Lookup {
        guard let hash = Self.asciiHash(name) else { return .undecided }
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] != 0 {
            if names[slots[slot] - 1] == name { return .found(slots[slot] - 1) }
            slot = (slot + 1) & mask
        }
        return .absent
    }

    /// FNV-1a over the name's bytes; nil when it is not ASCII.
    private static func asciiHash(_ name: String) -> Int? {
        var name = name
        return name.withUTF8 { bytes in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes {
                guard byte < 0x80 else { return nil }
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
            return Int(truncatingIfNeeded: hash ^ (hash >> 29))
        }
    }
}
