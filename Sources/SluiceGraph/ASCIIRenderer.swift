import SluicePlan

/// A drawing for terminals, like `dvc dag` prints (docs/graph.md): layered
/// boxes top to bottom with connectors, one pipeline after another. When a
/// pipeline's drawing would be wider than `width` columns it is printed as
/// a list by layer instead, which stays readable at any size.
public enum ASCIIRenderer {
    public static func render(_ subjects: [GraphSubject], width: Int = 80) -> String {
        subjects.map { render($0, width: width) }.joined(separator: "\n")
    }

    static func render(_ subject: GraphSubject, width: Int) -> String {
        let graph = PipelineGraph(plan: subject.plan)
        var title = oneLine(graph.plan.pipeline)
        if let overlay = subject.overlay { title += ": " + oneLine(overlay.caption) }
        let boxes = graph.nodes.map { box($0, subject.overlay) }
        let edges = graph.edges.filter { $0.kind == .needs }.map { ($0.from, $0.to) }
        guard !graph.nodes.isEmpty else { return title + "\n\n(no tasks)\n" }
        if let layout = ASCIILayout.make(boxes: boxes, edges: edges, maxWidth: width) {
            let lines = draw(layout)
            return title + "\n\n" + lines.joined(separator: "\n") + "\n" + legend(graph)
        }
        return title + " (listed by layer: a drawing would be wider than \(width) columns)\n\n"
            + ASCIIList.render(graph, subject.overlay, width: width)
    }

    /// A box's text: the name, for a trigger task the pipeline it starts,
    /// and with a run the state as a last line (`[2/5 failed]`): below the
    /// name rather than beside it, so boxes stay narrow enough for 80 columns.
    static func box(_ node: PipelineGraph.Node, _ overlay: RunOverlay?) -> ASCIILayout.Box {
        var lines = [oneLine(node.task.id)]
        if let target = node.triggers { lines.append("triggers " + oneLine(target)) }
        let state = stateSuffix(node, overlay)
        if !state.isEmpty { lines.append(String(state.dropFirst())) }
        let style: ASCIILayout.Style = switch node.shape {
        case .branch: .branch
        case .empty: .empty
        case .task: node.mapped ? .mapped : .plain
        }
        return ASCIILayout.Box(lines: lines, style: style)
    }

    /// ` [success]`, ` [3/5 running]`, or nothing without a run.
    static func stateSuffix(_ node: PipelineGraph.Node, _ overlay: RunOverlay?) -> String {
        guard let status = overlay?.status(of: node.task.id) else { return "" }
        // A failed instance makes the folded state `failed`: its names follow it, `[2/5 failed: GOOG]`.
        return " [" + (status.progress.map { $0 + " " } ?? "") + StatePalette.label(status.state)
            + (status.failedInstanceNames.map { ": " + oneLine($0) } ?? "") + (status.checkCaption.map { "; " + $0 } ?? "") + "]"
    }

    static func oneLine(_ text: String) -> String { printable(text).replacingNewlines() }

    private static func legend(_ graph: PipelineGraph) -> String {
        var keys: [String] = []
        if graph.nodes.contains(where: { $0.mapped }) { keys.append("+===+ mapped (foreach)") }
        if graph.nodes.contains(where: { $0.shape == .branch }) { keys.append("< > branch") }
        if graph.nodes.contains(where: { $0.shape == .empty }) { keys.append("( ) empty task") }
        return keys.isEmpty ? "" : "\n" + keys.joined(separator: "   ") + "\n"
    }

    static func draw(_ layout: ASCIILayout) -> [String] {
        let width = (layout.items.map { $0.x + $0.width }.max() ?? 0) + 1
        var canvas = ASCIICanvas(width: width)
        var netID = 0
        var y = 0
        for (l, layer) in layout.layers.enumerated() {
            let height = layer.map { layout.items[$0].height }.max() ?? 1
            for item in layer {
                netID += 1
                drawItem(layout.items[item], top: y, layerHeight: height, net: netID, on: &canvas)
            }
            y += height
            guard l < layout.nets.count else { continue }
            let arrowRow = y + layout.channelRows[l] + 1
            for net in layout.nets[l] {
                netID += 1
                drawNet(net, layout, stubRow: y, arrowRow: arrowRow, id: netID, on: &canvas)
            }
            y = arrowRow + 1
        }
        return canvas.rows()
    }

    private static func drawItem(_ item: ASCIILayout.Item, top: Int, layerHeight: Int, net: Int, on canvas: inout ASCIICanvas) {
        if item.isDummy {
            canvas.vertical(net: net, x: item.x, from: top, to: top + layerHeight - 1)
            return
        }
        let (topLeft, fill, topRight, bottomLeft, bottomFill, bottomRight, left, right) = frame(item.box.style)
        let inner = item.width - 2
        canvas.text(String(topLeft) + String(repeating: fill, count: inner) + String(topRight), x: item.x, y: top)
        for (k, line) in item.box.lines.enumerated() {
            let pad = inner - DisplayWidth.of(line)
            let text = String(repeating: " ", count: pad / 2) + line + String(repeating: " ", count: pad - pad / 2)
            canvas.text(String(left) + text + String(right), x: item.x, y: top + 1 + k)
        }
        let bottom = top + item.height - 1
        canvas.text(String(bottomLeft) + String(repeating: bottomFill, count: inner) + String(bottomRight), x: item.x, y: bottom)
        // A box shorter than its layer reaches the layer's bottom with a line.
        if !item.children.isEmpty { canvas.vertical(net: net, x: item.out, from: bottom + 1, to: top + layerHeight - 1) }
    }

    private static func frame(_ style: ASCIILayout.Style)
        -> (Character, Character, Character, Character, Character, Character, Character, Character) {
        switch style {
        case .plain: ("+", "-", "+", "+", "-", "+", "|", "|")
        case .mapped: ("+", "=", "+", "+", "=", "+", "|", "|")
        case .branch: ("+", "-", "+", "+", "-", "+", "<", ">")
        case .empty: (".", "-", ".", "'", "-", "'", "(", ")")
        }
    }

    private static func drawNet(_ net: ASCIILayout.Net, _ layout: ASCIILayout, stubRow: Int, arrowRow: Int, id: Int,
                                on canvas: inout ASCIICanvas) {
        let busRow = net.row.map { stubRow + 1 + $0 } ?? arrowRow - 1
        for source in net.sources { canvas.vertical(net: id, x: source, from: stubRow, to: busRow) }
        if net.row != nil {
            let columns = net.sources + net.ports.map(\.column)
            canvas.horizontal(net: id, from: columns.min() ?? 0, to: columns.max() ?? 0, y: busRow)
        }
        for port in net.ports {
            canvas.vertical(net: id, x: port.column, from: busRow, to: arrowRow - 1)
            if layout.items[port.item].isDummy {
                canvas.vertical(net: id, x: port.column, from: arrowRow, to: arrowRow)
            } else {
                canvas.glyph("v", x: port.column, y: arrowRow)
            }
        }
    }
}

/// The fallback for pipelines too wide to draw: tasks by layer, each with
/// its kind, its state and what it needs (with the outputs it reads).
enum ASCIIList {
    static func render(_ graph: PipelineGraph, _ overlay: RunOverlay?, width: Int) -> String {
        var layer = Array(repeating: 0, count: graph.nodes.count)
        var needs = Array(repeating: [String](), count: graph.nodes.count)
        for edge in graph.edges where edge.kind == .needs {
            if edge.from < edge.to { layer[edge.to] = max(layer[edge.to], layer[edge.from] + 1) }
            let name = ASCIIRenderer.oneLine(graph.nodes[edge.from].task.id)
            needs[edge.to].append(edge.outputs.isEmpty ? name : name + " (" + edge.outputs.map(\.edgeLabel).joined(separator: ", ") + ")")
        }
        let order = graph.nodes.indices.sorted { (layer[$0], $0) < (layer[$1], $1) }
        let labelWidth = String(layer.max() ?? 0).count
        var out = ""
        var previous = -1
        for i in order {
            let number = layer[i] == previous ? String(repeating: " ", count: labelWidth) : pad(String(layer[i] + 1), labelWidth)
            previous = layer[i]
            let head = "  " + number + "  " + describe(graph.nodes[i], overlay)
            out += wrap(head, needs[i], nameColumn: labelWidth + 4, width: width)
        }
        return out
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(width - s.count, 0)) + s
    }

    private static func describe(_ node: PipelineGraph.Node, _ overlay: RunOverlay?) -> String {
        var text = ASCIIRenderer.oneLine(node.task.id)
        if let foreach = node.task.foreachCaption { text += " [" + ASCIIRenderer.oneLine(foreach) + "]" }
        if let choices = node.task.branch { text += " <branch: " + ASCIIRenderer.oneLine(choices.joined(separator: " | ")) + ">" }
        if node.shape == .empty { text += " (empty)" }
        if let target = node.triggers { text += " => triggers " + ASCIIRenderer.oneLine(target) }
        return text + ASCIIRenderer.stateSuffix(node, overlay)
    }

    /// `head  <- a, b (x, y)`, wrapped at `width`: the `<-` list moves under
    /// the name when it does not fit beside it, and continues aligned after
    /// `<- `; a single overlong name is never split.
    private static func wrap(_ head: String, _ needs: [String], nameColumn: Int, width: Int) -> String {
        guard !needs.isEmpty else { return head + "\n" }
        let pieces = needs.enumerated().map { k, need in need + (k < needs.count - 1 ? "," : "") }
        let arrowIndent = String(repeating: " ", count: nameColumn + 2)
        let continuation = String(repeating: " ", count: nameColumn + 5)
        var out = head
        var column = DisplayWidth.of(head)
        if column + 5 + DisplayWidth.of(pieces[0]) > width {
            out += "\n" + arrowIndent + "<- "
            column = nameColumn + 5
        } else {
            out += "  <- "
            column += 5
        }
        for (k, piece) in pieces.enumerated() {
            if k > 0 && column + 1 + DisplayWidth.of(piece) > width {
                out += "\n" + continuation
                column = continuation.count
            } else if k > 0 {
                out += " "
                column += 1
            }
            out += piece
            column += DisplayWidth.of(piece)
        }
        return out + "\n"
    }
}
