import SluicePlan

/// A pipeline as SVG without Graphviz, for the UI and `sluice report` (one
/// binary, nothing to install): a layered, top-down layout (layers by
/// longest path from the roots over edges in plan order, as `ASCIILayout`
/// layers; within a layer, boxes ordered by the mean position of their
/// parents; an edge that skips layers keeps a slot in each layer between and
/// passes through it, not through a box), each task a box filled with its state's colour from
/// `StatePalette` (the same as `graph --run`), a mapped task drawn as a stack
/// with its instances counted by state, `needs` edges solid and data-only
/// edges dashed. Every node carries a `<title>` (a tooltip, and what a screen
/// reader says) and `data-task`/`data-state` for the page's script. The
/// fills are light in both colour schemes, so their text stays dark; edges
/// and captions follow `prefers-color-scheme`. Deterministic: the same plan
/// and overlay always give the same bytes.
public enum SVGRenderer {
    public static func render(_ subject: GraphSubject) -> String {
        var drawing = SVGDrawing(graph: PipelineGraph(plan: subject.plan), overlay: subject.overlay)
        return drawing.write()
    }
}

private struct SVGDrawing {
    let graph: PipelineGraph
    let overlay: RunOverlay?
    var out = ""

    static let margin = 16, columnGap = 28, rowGap = 48, lineHeight = 16, maxColumns = 34
    static let mappedOffset = 5
    /// The width of the slot an edge passes through in a layer it skips.
    static let gapWidth = 12

    struct Box {
        var lines: [String]
        var x = 0, y = 0, width = 0, height = 0, layer = 0
    }

    init(graph: PipelineGraph, overlay: RunOverlay?) {
        self.graph = graph
        self.overlay = overlay
    }

    mutating func write() -> String {
        var boxes = graph.nodes.map { Box(lines: lines(of: $0)) }
        let (width, routes) = layOut(&boxes)
        let legend = legendStates()
        let height = (boxes.map { $0.y + $0.height }.max() ?? 0) + Self.margin + Self.mappedOffset + (legend.isEmpty ? 0 : 28)
        let title = "pipeline \(graph.plan.pipeline)" + (overlay.map { ", " + $0.caption } ?? "")
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sluice-graph\" width=\"\(width)\" height=\"\(height)\" "
        out += "viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-labelledby=\"sluice-graph-title\" font-family=\"system-ui, sans-serif\">\n"
        out += "<title id=\"sluice-graph-title\">\(Self.escape(title))</title>\n"
        out += Self.style
        out += "<defs><marker id=\"sluice-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
        out += "<path class=\"arrow\" d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n"
        for (e, edge) in graph.edges.enumerated() { writeEdge(edge, boxes, through: routes[e] ?? []) }
        for (index, node) in graph.nodes.enumerated() { writeNode(node, boxes[index]) }
        if !legend.isEmpty { writeLegend(legend, y: height - Self.margin - 12) }
        out += "</svg>\n"
        return out
    }

    /// Edges stroke and captions fill with the scheme's text colour; box fills stay light.
    static let style = """
        <style>
        .sluice-graph .edge{fill:none;stroke:#555;stroke-width:1.4}
        .sluice-graph .edge.data{stroke-dasharray:5 4}
        .sluice-graph .arrow{fill:#555}
        .sluice-graph .box{stroke:#333;stroke-width:1.2}
        .sluice-graph .node text{fill:#111;font-size:12px}
        .sluice-graph .node .name{font-weight:600;font-size:13px}
        .sluice-graph .legend text{fill:#222;font-size:11px}
        @media (prefers-color-scheme: dark){
        .sluice-graph .edge{stroke:#aaa}.sluice-graph .arrow{fill:#aaa}
        .sluice-graph .box{stroke:#ddd}.sluice-graph .legend text{fill:#ddd}}
        </style>

        """

    // MARK: - Layout

    /// Sets each box's size, layer and place; returns the drawing's width and,
    /// for each edge that skips layers (by its index), the gap kept for it in
    /// every layer between, top to bottom. A gap is a narrow slot placed like a
    /// box (Graphviz's virtual nodes), so the edge passes between the boxes of
    /// those layers instead of through them.
    private func layOut(_ boxes: inout [Box]) -> (width: Int, routes: [Int: [Box]]) {
        var parents = Array(repeating: [Int](), count: boxes.count)
        for edge in graph.edges where edge.from < edge.to { parents[edge.to].append(edge.from) }
        for i in boxes.indices {
            boxes[i].layer = parents[i].map { boxes[$0].layer + 1 }.max() ?? 0
            let columns = boxes[i].lines.map(DisplayWidth.of).max() ?? 0
            boxes[i].width = max(110, columns * 7 + 28)
            boxes[i].height = 14 + boxes[i].lines.count * Self.lineHeight
        }
        // The gaps: a chain of slots per skipping edge, each the parent of the next, the last
        // standing in for the edge's source among its target's parents.
        var slots = boxes
        var gapIndices: [Int: [Int]] = [:]
        for (e, edge) in graph.edges.enumerated() where edge.from < edge.to && boxes[edge.to].layer - boxes[edge.from].layer > 1 {
            var previous = edge.from
            for layer in (boxes[edge.from].layer + 1)..<boxes[edge.to].layer {
                slots.append(Box(lines: [], width: Self.gapWidth, layer: layer))
                parents.append([previous])
                previous = slots.count - 1
                gapIndices[e, default: []].append(previous)
            }
            if let place = parents[edge.to].firstIndex(of: edge.from) { parents[edge.to][place] = previous }
        }
        let layerCount = (slots.map(\.layer).max() ?? -1) + 1
        var layers = Array(repeating: [Int](), count: layerCount)
        var position = Array(repeating: 0.0, count: slots.count)
        for i in slots.indices { layers[slots[i].layer].append(i) }
        for l in layers.indices {
            // The mean place of a box's parents, so children sit under them; plan order breaks ties.
            func key(_ i: Int) -> Double { parents[i].isEmpty ? Double(i) : parents[i].map { position[$0] }.reduce(0, +) / Double(parents[i].count) }
            layers[l].sort { (key($0), $0) < (key($1), $1) }
            for (place, i) in layers[l].enumerated() { position[i] = Double(place) }
        }
        let widths = layers.map { layer in layer.map { slots[$0].width }.reduce(0, +) + max(0, layer.count - 1) * Self.columnGap }
        let canvas = (widths.max() ?? 0) + 2 * Self.margin + Self.mappedOffset
        var y = Self.margin + Self.mappedOffset
        for (l, layer) in layers.enumerated() {
            var x = (canvas - widths[l]) / 2
            let rowHeight = layer.map { slots[$0].height }.max() ?? 0
            for i in layer {
                slots[i].x = x
                if i < boxes.count {
                    slots[i].y = y + (rowHeight - slots[i].height) / 2
                } else {
                    slots[i].y = y  // a gap spans its whole row
                    slots[i].height = rowHeight
                }
                x += slots[i].width + Self.columnGap
            }
            y += rowHeight + Self.rowGap
        }
        boxes = Array(slots[..<boxes.count])
        return (max(canvas, 200), gapIndices.mapValues { $0.map { slots[$0] } })
    }

    // MARK: - Text

    private func status(_ node: PipelineGraph.Node) -> TaskRunStatus? { overlay.map { $0.status(of: node.task.id) } }

    /// The lines a box shows: its name, then its state (and a mapped task's counts), or what it is without a run.
    private func lines(of node: PipelineGraph.Node) -> [String] {
        var lines = [Self.cut(node.task.id)]
        if let status = status(node) {
            lines.append(StatePalette.label(status.state) + (status.progress.map { " · \($0) done" } ?? ""))
            let others = status.instanceCounts.filter { $0.key != .success && $0.key != .cached }
                .sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }
            if !others.isEmpty { lines.append(Self.cut(others.joined(separator: ", "))) }
            if let caption = status.checkCaption { lines.append(Self.cut(caption)) }
        } else if let caption = node.task.foreachCaption {
            lines.append(Self.cut(caption))
        }
        if let pipeline = node.triggers { lines.append(Self.cut("triggers " + pipeline)) }
        return lines
    }

    /// One line of at most `maxColumns` columns: longer text ends in `…` (the title has it whole).
    static func cut(_ text: String) -> String {
        let line = printable(text).replacingNewlines()
        guard DisplayWidth.of(line) > maxColumns else { return line }
        var kept = "", width = 0
        for character in line {
            width += DisplayWidth.of(character)
            if width > maxColumns - 1 { break }
            kept.append(character)
        }
        return kept + "…"
    }

    /// The tooltip: `fetch (foreach params.tickers): failed, 3/5 done; failed: GOOG`.
    private func tooltip(_ node: PipelineGraph.Node) -> String {
        var text = node.task.id + (node.task.foreachCaption.map { " (\($0))" } ?? "")
        if let status = status(node) {
            text += ": " + StatePalette.label(status.state) + (status.progress.map { ", \($0) done" } ?? "")
            let counts = status.instanceCounts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }
            if !counts.isEmpty { text += " (" + counts.joined(separator: ", ") + ")" }
            if let failed = status.failedInstancesCaption { text += "; " + failed }
            if let checks = status.checkCaption { text += "; " + checks }
        }
        if let description = node.task.description { text += "\n" + description }
        return text
    }

    // MARK: - Writing

    private mutating func writeNode(_ node: PipelineGraph.Node, _ box: Box) {
        let state = status(node)?.state
        let fill = overlay == nil ? "#ffffff" : StatePalette.fill(state)
        out += "<g class=\"node\" data-task=\"\(Self.escape(node.task.id))\" data-state=\"\(overlay == nil ? "" : StatePalette.name(state))\">"
        out += "<title>\(Self.escape(tooltip(node)))</title>"
        let shape = node.shape == .branch ? " branch" : (node.shape == .empty ? " empty" : "")
        if node.mapped {
            let o = Self.mappedOffset
            out += "<rect class=\"box stack\" x=\"\(box.x + o)\" y=\"\(box.y - o)\" width=\"\(box.width)\" height=\"\(box.height)\" rx=\"6\" fill=\"\(fill)\"/>"
        }
        let radius = node.shape == .empty ? box.height / 2 : 6
        let dash = node.shape == .branch ? " stroke-dasharray=\"6 3\"" : ""
        out += "<rect class=\"box\(shape)\" x=\"\(box.x)\" y=\"\(box.y)\" width=\"\(box.width)\" height=\"\(box.height)\" rx=\"\(radius)\" fill=\"\(fill)\"\(dash)/>"
        for (i, line) in box.lines.enumerated() {
            let y = box.y + 8 + Self.lineHeight * (i + 1) - 3
            out += "<text\(i == 0 ? " class=\"name\"" : "") x=\"\(box.x + box.width / 2)\" y=\"\(y)\" text-anchor=\"middle\">\(Self.escape(line))</text>"
        }
        out += "</g>\n"
    }

    /// An edge as curves from box to box; through `gaps` (the slots kept for it in the layers it
    /// skips) it runs straight down each slot, between that layer's boxes.
    private mutating func writeEdge(_ edge: PipelineGraph.Edge, _ boxes: [Box], through gaps: [Box]) {
        let from = boxes[edge.from], to = boxes[edge.to]
        var x = from.x + from.width / 2, y = from.y + from.height
        var d = "M\(x),\(y)"
        func curve(to tx: Int, _ ty: Int) {
            let bend = max(20, abs(ty - y) / 2)
            d += " C\(x),\(y + bend) \(tx),\(ty - bend) \(tx),\(ty)"
            x = tx
            y = ty
        }
        for gap in gaps {
            curve(to: gap.x + gap.width / 2, gap.y)
            y = gap.y + gap.height
            d += " L\(x),\(y)"
        }
        curve(to: to.x + to.width / 2, to.y)
        let names = graph.nodes[edge.from].task.id + " → " + graph.nodes[edge.to].task.id
        let reads = edge.outputs.isEmpty ? "" : " (reads " + edge.outputs.map(\.edgeLabel).joined(separator: ", ") + ")"
        out += "<path class=\"edge\(edge.kind == .data ? " data" : "")\" d=\"\(d)\" "
        out += "marker-end=\"url(#sluice-arrow)\"><title>\(Self.escape(names + reads))</title></path>\n"
    }

    /// The states the drawing shows, in the legend's order.
    private func legendStates() -> [(label: String, state: TaskState?)] {
        guard let overlay else { return [] }
        let shown = Set(graph.nodes.map { StatePalette.name(overlay.status(of: $0.task.id).state) })
        return StatePalette.legend.filter { shown.contains(StatePalette.name($0.state)) || ($0.state == nil && shown.contains("queued")) }
    }

    private mutating func writeLegend(_ states: [(label: String, state: TaskState?)], y: Int) {
        out += "<g class=\"legend\">"
        var x = Self.margin
        for (label, state) in states {
            out += "<rect class=\"box\" x=\"\(x)\" y=\"\(y)\" width=\"12\" height=\"12\" rx=\"2\" fill=\"\(StatePalette.fill(state))\"/>"
            out += "<text x=\"\(x + 16)\" y=\"\(y + 10)\">\(Self.escape(label))</text>"
            x += 16 + label.count * 7 + 14
        }
        out += "</g>\n"
    }

    /// Text for an XML text node or a quoted attribute: the five specials escaped, control characters replaced.
    static func escape(_ raw: String) -> String {
        var out = ""
        for character in printable(raw) {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            default: out.append(character)
            }
        }
        return out
    }
}
