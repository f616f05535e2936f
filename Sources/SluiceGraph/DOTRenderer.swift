import SluicePlan

/// Graphviz DOT for one or more plans (docs/graph.md). Every identifier is
/// quoted and every label escaped, so no task name, description or pipeline
/// id can end a string, inject an attribute or be read as an HTML-like
/// label; the only HTML-like label is the legend, whose text is fixed.
public enum DOTRenderer {
    public static func render(_ subjects: [GraphSubject]) -> String {
        String(decoding: renderUTF8(subjects), as: UTF8.self)
    }

    /// `render` as UTF-8 bytes: the drawing is written into one buffer, with
    /// no string built per node (DOT for 10,000 tasks is megabytes).
    public static func renderUTF8(_ subjects: [GraphSubject]) -> [UInt8] {
        var writer = DOTWriter(subjects)
        return writer.write()
    }
}

/// Writes one DOT document. Several plans become one `cluster_<pipeline>`
/// subgraph each, with node ids qualified by pipeline so they cannot clash.
struct DOTWriter {
    private let subjects: [GraphSubject]
    private let graphs: [PipelineGraph]
    private let clustered: Bool
    private var names = UniqueNames(separator: "~")
    /// Per subject, per task: the node id.
    private var nodeIDs: [[String]] = []
    private var clusterIDs: [String] = []
    private var out: [UInt8] = []

    static let font = "Helvetica,Arial,sans-serif"

    init(_ subjects: [GraphSubject]) {
        self.subjects = subjects
        graphs = subjects.map { PipelineGraph(plan: $0.plan) }
        clustered = subjects.count > 1
        // Tasks claim their names before anything the renderer adds, so a
        // task keeps its own name as its id whenever it can.
        for graph in graphs {
            let prefix = clustered ? graph.plan.pipeline + "." : ""
            nodeIDs.append(graph.nodes.map { names.claim(prefix + $0.task.id) })
        }
        clusterIDs = graphs.map { names.claim("cluster_" + $0.plan.pipeline) }
    }

    mutating func write() -> [UInt8] {
        let title = clustered ? "pipelines" : (graphs.first?.plan.pipeline ?? "pipelines")
        out = []
        emit("// Drawn by sluice graph (docs/graph.md). Render with: dot -Tsvg\n")
        emit("digraph \(Self.id(title)) {\n")
        var graphAttributes = "rankdir=LR, fontname=\"\(Self.font)\", fontsize=13, nodesep=0.3, ranksep=0.45"
        if clustered { graphAttributes += ", compound=true" }
        if !clustered, let subject = subjects.first {
            graphAttributes += ", labelloc=t, labeljust=l, label=\(Self.label(caption(subject)))"
        }
        emit("  graph [\(graphAttributes)];\n")
        emit("  node [shape=box, style=filled, fillcolor=\"#ffffff\", color=\"#444444\", fontname=\"\(Self.font)\", fontsize=11];\n")
        emit("  edge [color=\"#555555\", fontcolor=\"#333333\", fontname=\"\(Self.font)\", fontsize=9, arrowsize=0.7];\n")
        var crossEdges: [String] = []
        for s in subjects.indices {
            crossEdges += writePipeline(s)
        }
        for edge in crossEdges { emit("  "); emit(edge); emit("\n") }
        if subjects.contains(where: { $0.overlay != nil }) { writeLegend() }
        emit("}\n")
        return out
    }

    private mutating func emit(_ text: String) { out.appendUTF8(text) }

    private func caption(_ subject: GraphSubject) -> String {
        subject.plan.pipeline + (subject.overlay.map { "\n" + $0.caption } ?? "")
    }

    /// Writes one pipeline's nodes and edges; returns the trigger edges that
    /// cross into another drawn pipeline, which must be written outside every
    /// cluster (an edge inside a cluster would pull its far node into it).
    private mutating func writePipeline(_ s: Int) -> [String] {
        let graph = graphs[s]
        let overlay = subjects[s].overlay
        let indent = clustered ? "    " : "  "
        if clustered {
            emit("  subgraph \(Self.id(clusterIDs[s])) {\n")
            emit("    graph [label=\(Self.label(caption(subjects[s]))), labeljust=l, style=rounded, color=\"#999999\"];\n")
        }
        for (i, node) in graph.nodes.enumerated() {
            emit(indent)
            Self.writeID(nodeIDs[s][i], to: &out)
            emit(" [")
            writeNodeAttributes(node, overlay)
            emit("];\n")
        }
        for edge in graph.edges {
            emit(indent)
            Self.writeID(nodeIDs[s][edge.from], to: &out)
            emit(" -> ")
            Self.writeID(nodeIDs[s][edge.to], to: &out)
            writeEdgeAttributes(edge)
        }
        let crossEdges = writeTriggers(s, indent: indent)
        if clustered { emit("  }\n") }
        return crossEdges
    }

    /// The attributes of one node, `, `-separated, between its brackets.
    private mutating func writeNodeAttributes(_ node: PipelineGraph.Node, _ overlay: RunOverlay?) {
        let status = overlay?.status(of: node.task.id)
        var lines = [node.task.id]
        if let foreach = node.task.foreachCaption { lines.append(foreach) }
        if let progress = status?.progress { lines.append(progress) }
        if let checks = status?.checkCaption { lines.append(checks) }
        if let failed = status?.failedInstancesCaption { lines.append(failed) }
        switch node.shape {
        case .empty:
            // A dot too small to hold its name: the name sits beside it.
            emit("shape=circle, width=0.22, height=0.22, fixedsize=true, label=\"\", xlabel=")
            Self.writeLabel(lines: lines, to: &out)
        case .branch:
            emit("label=")
            Self.writeLabel(lines: lines, to: &out)
            emit(", shape=diamond")
        case .task:
            emit("label=")
            Self.writeLabel(lines: lines, to: &out)
            if node.mapped { emit(", shape=box3d") }
        }
        // box3d already reads as a stack; the other shapes get a second outline.
        if node.mapped && node.shape != .task { emit(", peripheries=2") }
        if let status { emit(", fillcolor=\"\(StatePalette.fill(status.state))\"") }
        emit(", tooltip=")
        if let status {
            var tooltip = node.task.description ?? node.task.id
            tooltip += "\nstate: " + StatePalette.label(status.state) + (status.progress.map { " (\($0) done)" } ?? "")
            Self.writeLabel(tooltip, to: &out)
        } else {
            Self.writeLabel(node.task.description ?? node.task.id, to: &out)
        }
    }

    /// ` [attributes];` or `;`, and the line's end.
    private mutating func writeEdgeAttributes(_ edge: PipelineGraph.Edge) {
        let labelled = !edge.outputs.isEmpty
        guard labelled || edge.kind == .data else { emit(";\n"); return }
        emit(" [")
        if labelled {
            emit("label=")
            Self.writeLabel(lines: edge.outputs.map(\.edgeLabel), to: &out)
            emit(", tooltip=")
            Self.writeLabel(lines: edge.outputs.map(\.typedName), to: &out)
        }
        if edge.kind == .data {
            if labelled { emit(", ") }
            emit("style=dotted, color=\"#888888\", fontcolor=\"#777777\"")
        }
        emit("];\n")
    }

    /// A dashed edge from each trigger task to its pipeline: the first task of
    /// that pipeline's cluster when it is drawn too, else a node of its own.
    private mutating func writeTriggers(_ s: Int, indent: String) -> [String] {
        let graph = graphs[s]
        var pipelineNodes: [String: String] = [:]
        var crossEdges: [String] = []
        for (i, node) in graph.nodes.enumerated() {
            guard let target = node.triggers else { continue }
            let from = Self.id(nodeIDs[s][i])
            if clustered, let t = drawnPipeline(target, besides: s) {
                crossEdges.append("\(from) -> \(Self.id(nodeIDs[t][0])) [style=dashed, label=\"triggers\", lhead=\(Self.id(clusterIDs[t]))];")
                continue
            }
            if pipelineNodes[target] == nil {
                let prefix = clustered ? graph.plan.pipeline + "." : ""
                let id = names.claim(prefix + "pipeline:" + target)
                pipelineNodes[target] = id
                emit(indent + Self.id(id) + " [label=" + Self.label(target)
                    + ", shape=component, style=\"filled,dashed\", fillcolor=\"#f4f4f4\", tooltip="
                    + Self.label("pipeline " + target + ", run as a child run") + "];\n")
            }
            if let id = pipelineNodes[target] {
                emit(indent + from + " -> " + Self.id(id) + " [style=dashed, label=\"triggers\"];\n")
            }
        }
        return crossEdges
    }

    /// The subject drawing pipeline `id`, when it is another one with tasks.
    private func drawnPipeline(_ id: String, besides s: Int) -> Int? {
        guard let t = subjects.firstIndex(where: { $0.plan.pipeline == id }), t != s, !graphs[t].nodes.isEmpty else { return nil }
        return t
    }

    /// The state colours as one table in a cluster of its own. Its text is
    /// fixed, so this is the one place an HTML-like label is safe.
    private mutating func writeLegend() {
        let id = names.claim("legend")
        let cluster = names.claim("cluster_legend")
        let rows = StatePalette.legend.map { "<tr><td bgcolor=\"\(StatePalette.fill($0.state))\">\($0.label)</td></tr>" }
        emit("  subgraph \(Self.id(cluster)) {\n")
        emit("    graph [label=\"legend\", labeljust=l, style=rounded, color=\"#bbbbbb\", fontsize=10];\n")
        emit("    \(Self.id(id)) [shape=plaintext, style=\"\", fontsize=9, tooltip=\"run states\", label=<")
        emit("<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" cellpadding=\"3\">" + rows.joined() + "</table>>];\n")
        emit("  }\n")
    }

    /// Printable ASCII with nothing to escape, the common case, which is
    /// copied as it is (DOT for 10,000 tasks is mostly such names).
    private static func isPlain(_ raw: String) -> Bool {
        raw.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") && $0 != UInt8(ascii: "&") }
    }

    /// A quoted DOT identifier. Inside quotes DOT knows two escapes, `\"` and
    /// `\\` (Graphviz 2.30 and later); identifiers are not label text, so no
    /// other processing applies and this mapping keeps distinct names distinct.
    static func id(_ raw: String) -> String {
        var out: [UInt8] = []
        writeID(raw, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func writeID(_ raw: String, to out: inout [UInt8]) {
        writeQuoted(raw, escapingAmpersand: false, to: &out)
    }

    /// A quoted label (or tooltip): besides the quoting of `id`, labels are
    /// escString (`\n`, `\l`, `\N` … are directives, so a user's backslash is
    /// doubled) and Graphviz decodes `&...;` entities in them, so a user's `&`
    /// becomes `&amp;` and `&lt;` prints as typed.
    static func label(_ raw: String) -> String {
        var out: [UInt8] = []
        writeLabel(raw, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func writeLabel(_ raw: String, to out: inout [UInt8]) {
        writeQuoted(raw, escapingAmpersand: true, to: &out)
    }

    /// The label of `lines` joined by line breaks, as `label(lines.joined(separator: "\n"))`
    /// writes it; plain lines (nearly all) are copied without joining them first.
    static func writeLabel(lines: [String], to out: inout [UInt8]) {
        guard lines.allSatisfy(isPlain) else {
            writeLabel(lines.joined(separator: "\n"), to: &out)
            return
        }
        out.append(UInt8(ascii: "\""))
        for (i, line) in lines.enumerated() {
            if i > 0 { out.append(contentsOf: "\\n".utf8) }
            out.appendUTF8(line)
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func writeQuoted(_ raw: String, escapingAmpersand: Bool, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if isPlain(raw) {
            out.appendUTF8(raw)
        } else {
            for scalar in printable(raw).unicodeScalars {
                switch scalar {
                case "\"": out.append(contentsOf: "\\\"".utf8)
                case "\\": out.append(contentsOf: "\\\\".utf8)
                case "\n": out.append(contentsOf: "\\n".utf8)
                case "&" where escapingAmpersand: out.append(contentsOf: "&amp;".utf8)
                default: UTF8.encode(scalar) { out.append($0) }
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
