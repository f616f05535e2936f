/// A layered, top-down layout of one pipeline for a terminal (docs/graph.md):
/// layers by longest path from the roots, a one-column "dummy" carrying each
/// edge that skips layers, boxes ordered by the barycenter of their parents,
/// and orthogonal connectors routed so that every `+` is a real connection.
///
/// Routing between two layers: every source with one child joins the other
/// single-child parents of that child on one bus (they all feed it alone, so
/// one line says it); a source with several children gets a bus of its own.
/// Each bus ends in its own arrow column on each target's top edge, and no
/// arrow column is another source's column, so two buses never share a
/// vertical cell. Buses share a row only with a blank column between them.
/// `make` returns nil when the drawing would be wider than allowed or the
/// routing runs out of columns; the caller then prints the list form.
struct ASCIILayout {
    enum Style { case plain, mapped, branch, empty }

    /// What a task's box shows.
    struct Box {
        var lines: [String]
        var style: Style
    }

    struct Item {
        /// The task, or nil for a dummy that carries a long edge through a layer.
        var node: Int?
        var box: Box
        var width: Int
        var height: Int
        var layer: Int
        var x = 0
        var parents: [Int] = []
        var children: [Int] = []

        var isDummy: Bool { node == nil }
        /// The column connectors leave from.
        var out: Int { isDummy ? x : x + width / 2 }
    }

    /// One connected set of lines between two layers.
    struct Net {
        var sources: [Int]
        /// (target item, arrow column)
        var ports: [(item: Int, column: Int)]
        /// Channel row; nil for a straight drop from a source to the box below it.
        var row: Int?
    }

    private(set) var items: [Item] = []
    private(set) var layers: [[Int]] = []
    /// Per gap below layer L: its nets and its number of channel rows.
    private(set) var nets: [[Net]] = []
    private(set) var channelRows: [Int] = []

    static let gap = 3
    /// Past this many dummies a pipeline is far too big to draw legibly anyway.
    static let maxItems = 5_000

    /// - Parameters:
    ///   - edges: (upstream, downstream) task indices; only pairs in plan
    ///     order (upstream first) count, so a hand-edited cyclic plan still
    ///     gets a layout.
    static func make(boxes: [Box], edges: [(Int, Int)], maxWidth: Int) -> ASCIILayout? {
        var layout = ASCIILayout()
        guard layout.buildItems(boxes, edges, maxWidth: maxWidth),
              layout.order(),
              layout.place(maxWidth: maxWidth),
              layout.route() else { return nil }
        return layout
    }

    private mutating func buildItems(_ boxes: [Box], _ edges: [(Int, Int)], maxWidth: Int) -> Bool {
        let forward = edges.filter { $0.0 < $0.1 && $0.1 < boxes.count && $0.0 >= 0 }
        var layerOf = Array(repeating: 0, count: boxes.count)
        var parentsOf = Array(repeating: [Int](), count: boxes.count)
        for (u, v) in forward { parentsOf[v].append(u) }
        for v in boxes.indices { layerOf[v] = parentsOf[v].map { layerOf[$0] + 1 }.max() ?? 0 }
        items = boxes.enumerated().map { i, box in
            let textWidth = box.lines.map(DisplayWidth.of).max() ?? 0
            return Item(node: i, box: box, width: textWidth + 4, height: box.lines.count + 2, layer: layerOf[i])
        }
        // Too wide already without the lines of long edges: give up before making them.
        var boxWidths = Array(repeating: -Self.gap, count: (layerOf.max() ?? -1) + 1)
        for item in items { boxWidths[item.layer] += item.width + Self.gap }
        guard boxWidths.allSatisfy({ $0 <= maxWidth }) else { return false }
        for (u, v) in forward {
            var previous = u
            for layer in (layerOf[u] + 1)..<layerOf[v] {
                guard items.count < Self.maxItems else { return false }
                items.append(Item(node: nil, box: Box(lines: [], style: .plain), width: 1, height: 1, layer: layer))
                link(previous, items.count - 1)
                previous = items.count - 1
            }
            link(previous, v)
        }
        layers = Array(repeating: [], count: (layerOf.max() ?? -1) + 1)
        for i in items.indices { layers[items[i].layer].append(i) }
        return true
    }

    private mutating func link(_ parent: Int, _ child: Int) {
        items[parent].children.append(child)
        items[child].parents.append(parent)
    }

    /// Barycenter ordering, one sweep down: fewer crossings, and stable
    /// (ties keep plan order), so the drawing never changes between runs.
    private mutating func order() -> Bool {
        var position = Array(repeating: 0, count: items.count)
        for l in layers.indices {
            if l > 0 {
                let keyed = layers[l].enumerated().map { k, item -> (Double, Int, Int) in
                    let parents = items[item].parents
                    let sum = parents.reduce(0) { $0 + position[$1] }
                    return (parents.isEmpty ? Double(k) : Double(sum) / Double(parents.count), k, item)
                }
                layers[l] = keyed.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
            }
            for (k, item) in layers[l].enumerated() { position[item] = k }
        }
        return true
    }

    private func naturalWidth(_ layer: [Int]) -> Int {
        layer.reduce(0) { $0 + items[$1].width } + Self.gap * max(layer.count - 1, 0)
    }

    /// Centers each layer, then nudges dummies off the columns of sources
    /// above them (and their neighbours) and widens boxes until their top
    /// edge has room for an arrow column per bus that arrives there.
    private mutating func place(maxWidth: Int) -> Bool {
        let canvas = layers.map(naturalWidth).max() ?? 0
        guard canvas <= maxWidth else { return false }
        for l in layers.indices {
            let sources = l == 0 ? Set<Int>() : sourceColumns(l - 1)
            var cursor = (canvas - naturalWidth(layers[l])) / 2
            for item in layers[l] {
                var x = cursor
                if items[item].isDummy {
                    let own = items[items[item].parents[0]].out
                    // Straight below its parent when that costs little room: fewer jogs.
                    if own >= x && own - x <= 8 { x = own }
                    while x != own && (x - 1...x + 1).contains(where: sources.contains) { x += 1 }
                } else if l > 0 {
                    items[item].x = x
                    while arrowColumns(item, sources: sources) == nil {
                        guard items[item].width < maxWidth else { return false }
                        items[item].width += 1
                    }
                }
                items[item].x = x
                cursor = x + items[item].width + Self.gap
            }
        }
        return (items.map { $0.x + $0.width }.max() ?? 0) <= maxWidth
    }

    /// Columns that lines leave layer `l` from.
    private func sourceColumns(_ l: Int) -> Set<Int> {
        Set(layers[l].filter { !items[$0].children.isEmpty }.map { items[$0].out })
    }

    /// The buses arriving at a target: one for all parents whose only child
    /// it is, one per parent with several children. Each carries the columns
    /// it would like to arrive at (its own sources' columns, straight down).
    private func portSpecs(_ target: Int) -> [(sources: [Int], preferred: [Int])] {
        let parents = items[target].parents
        let single = parents.filter { items[$0].children.count == 1 }
        var specs: [(sources: [Int], preferred: [Int])] = []
        if !single.isEmpty { specs.append((single, single.map { items[$0].out })) }
        for p in parents where items[p].children.count > 1 { specs.append(([p], [items[p].out])) }
        return specs.sorted { ($0.sources.map { items[$0].out }.min() ?? 0) < ($1.sources.map { items[$0].out }.min() ?? 0) }
    }

    private mutating func route() -> Bool {
        for l in layers.indices.dropLast() {
            guard let gapNets = netsBelow(l) else { return false }
            var rows: [[(Int, Int)]] = []
            var routed = gapNets
            for n in routed.indices.sorted(by: { span(routed[$0]).0 < span(routed[$1]).0 }) {
                let net = routed[n]
                if net.sources.count == 1, net.ports.count == 1, net.sources[0] == net.ports[0].column { continue }
                let (lo, hi) = span(net)
                let row = rows.firstIndex { $0.allSatisfy { hi < $0.0 - 1 || lo > $0.1 + 1 } } ?? rows.count
                if row == rows.count { rows.append([]) }
                rows[row].append((lo, hi))
                routed[n].row = row
            }
            nets.append(routed)
            channelRows.append(rows.count)
        }
        return true
    }

    private func span(_ net: Net) -> (Int, Int) {
        let columns = net.sources + net.ports.map(\.column)
        return (columns.min() ?? 0, columns.max() ?? 0)
    }

    /// The nets between layer `l` and the next, with arrow columns chosen.
    private func netsBelow(_ l: Int) -> [Net]? {
        let sources = sourceColumns(l)
        var nets: [Net] = []
        var fanOut: [Int: Int] = [:]
        for target in layers[l + 1] {
            let specs = portSpecs(target)
            guard let columns = arrowColumns(target, sources: sources) else { return nil }
            for (spec, column) in zip(specs, columns) {
                let source = spec.sources[0]
                if spec.sources.count == 1, items[source].children.count > 1 {
                    if let n = fanOut[source] {
                        nets[n].ports.append((target, column))
                        continue
                    }
                    fanOut[source] = nets.count
                }
                nets.append(Net(sources: spec.sources.map { items[$0].out }, ports: [(target, column)], row: nil))
            }
        }
        return nets
    }

    /// Arrow columns on a target's top edge, one per bus, in `portSpecs`
    /// order: a bus's own source column when it is above the box (a straight
    /// line), else free columns nearest the middle, handed out left to right
    /// to keep lines uncrossed. Two arrows, or an arrow and another bus's
    /// line, are never side by side (`||` would read as one thick line).
    /// Nil when the box is too narrow.
    private func arrowColumns(_ target: Int, sources: Set<Int>) -> [Int]? {
        let specs = portSpecs(target)
        let item = items[target]
        let range = item.isDummy ? item.x...item.x : (item.x + 1)...(item.x + max(item.width - 2, 1))
        let center = item.isDummy ? item.x : item.x + item.width / 2
        var chosen = Array<Int?>(repeating: nil, count: specs.count)
        var taken = Set<Int>()
        for (k, spec) in specs.enumerated() {
            let preferred = spec.preferred.filter { range.contains($0) && !(($0 - 1)...($0 + 1)).contains(where: taken.contains) }
            if let column = preferred.min(by: { abs($0 - center) < abs($1 - center) }) {
                chosen[k] = column
                taken.insert(column)
            }
        }
        let waiting = chosen.indices.filter { chosen[$0] == nil }
        var free: [Int] = []
        for column in range.sorted(by: { (abs($0 - center), $0) < (abs($1 - center), $1) }) where free.count < waiting.count {
            let near = (column - 1)...(column + 1)
            if !near.contains(where: { taken.contains($0) || sources.contains($0) || free.contains($0) }) { free.append(column) }
        }
        guard free.count == waiting.count else { return nil }
        for (k, column) in zip(waiting, free.sorted()) { chosen[k] = column }
        return chosen.compactMap { $0 }
    }
}
