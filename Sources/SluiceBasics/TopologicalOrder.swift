/// Kahn's algorithm over nodes `0..<n` given as adjacency lists: the one
/// topological sort of Sluice. Callers differ only in which ready node goes
/// next (the tie-break), so that is a parameter:
/// - `ReadyInArrivalOrder`: first ready, first out; the cheapest, for callers
///   that need some topological order (lint's reachability ranks, branch gates);
/// - `ReadyHeap(ByKey(names))`: the plan's order, the same for the same spec
///   whatever the file order;
/// - `ReadyHeap(ByIndex())`: the executor's order, so a plan already in
///   topological order keeps it.
public enum TopologicalOrder {
    /// The nodes, each after all of its upstream nodes. Nodes on a cycle (or
    /// downstream of one) never become ready: then the result is shorter
    /// than `upstream.count`, and the missing nodes are those still waiting.
    /// `upstream[n]` and `downstream[n]` are node `n`'s neighbours (arrays
    /// of arrays, or the compiler's flat adjacency).
    @inlinable
    public static func sorted<Adjacency: RandomAccessCollection, Ready: ReadyNodes>(
        upstream: Adjacency, downstream: Adjacency, ready: Ready
    ) -> [Int] where Adjacency.Index == Int, Adjacency.Element: Collection, Adjacency.Element.Element == Int {
        var ready = ready
        // A closure, not `\.count`: the key path was looked up at run time for every node.
        var waitingFor = upstream.map { $0.count }
        for node in waitingFor.indices where waitingFor[node] == 0 { ready.insert(node) }
        var order: [Int] = []
        order.reserveCapacity(upstream.count)
        while let node = ready.next() {
            order.append(node)
            for down in downstream[node] {
                waitingFor[down] -= 1
                if waitingFor[down] == 0 { ready.insert(down) }
            }
        }
        return order
    }

    /// `position[node]` for each node of a complete order.
    @inlinable
    public static func positions(of order: [Int]) -> [Int] {
        var position = [Int](repeating: 0, count: order.count)
        for (index, node) in order.enumerated() { position[node] = index }
        return position
    }
}

/// The nodes whose upstream nodes are all placed: the tie-break of `TopologicalOrder`.
public protocol ReadyNodes {
    mutating func insert(_ node: Int)
    /// The node to place next, removed; nil when none is ready.
    mutating func next() -> Int?
}

/// First ready, first out.
public struct ReadyInArrivalOrder: ReadyNodes {
    @usableFromInline var nodes: [Int] = []
    @usableFromInline var head = 0

    @inlinable public init() {}

    @inlinable public mutating func insert(_ node: Int) { nodes.append(node) }

    @inlinable public mutating func next() -> Int? {
        guard head < nodes.count else { return nil }
        head += 1
        return nodes[head - 1]
    }
}

/// How `ReadyHeap` ranks two nodes.
public protocol NodeOrdering {
    func precedes(_ a: Int, _ b: Int) -> Bool
}

/// The node with the lower index first.
public struct ByIndex: NodeOrdering {
    @inlinable public init() {}
    @inlinable public func precedes(_ a: Int, _ b: Int) -> Bool { a < b }
}

/// The node with the smaller key first (keys indexed by node, e.g. task names).
public struct ByKey<Key: Comparable>: NodeOrdering {
    @usableFromInline let keys: [Key]
    @inlinable public init(_ keys: [Key]) { self.keys = keys }
    @inlinable public func precedes(_ a: Int, _ b: Int) -> Bool { keys[a] < keys[b] }
}

/// A binary min-heap of ready nodes under `Ordering`.
public struct ReadyHeap<Ordering: NodeOrdering>: ReadyNodes {
    @usableFromInline let ordering: Ordering
    @usableFromInline var nodes: [Int] = []

    @inlinable public init(_ ordering: Ordering) { self.ordering = ordering }

    @inlinable public mutating func insert(_ node: Int) {
        nodes.append(node)
        var child = nodes.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard ordering.precedes(nodes[child], nodes[parent]) else { break }
            nodes.swapAt(child, parent)
            child = parent
        }
    }

    @inlinable public mutating func next() -> Int? {
        guard let top = nodes.first else { return nil }
        nodes.swapAt(0, nodes.count - 1)
        nodes.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var first = parent
            if left < nodes.count, ordering.precedes(nodes[left], nodes[first]) { first = left }
            if right < nodes.count, ordering.precedes(nodes[right], nodes[first]) { first = right }
            if first == parent { break }
            nodes.swapAt(parent, first)
            parent = first
        }
        return top
    }
}
