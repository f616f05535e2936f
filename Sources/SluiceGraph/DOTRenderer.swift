import SluiceBasics
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
    ///
    /// `threads`: 2 lets a large pipeline's lines be written on two threads
    /// (the bytes are the same); the caller says whether the process may use
    /// two CPUs (`CPUAffinity`).
    public static func renderUTF8(_ subjects: [GraphSubject], threads: Int = 1) -> [UInt8] {
        renderBytes(subjects, threads: threads).array
    }

    /// `renderUTF8` in the buffer it was written into: `graph -o` writes the
    /// file from it, where the array was a copy of every byte (1.75 MB of
    /// fresh memory for 10,000 tasks, docs/speed.md "emit").
    public static func renderBytes(_ subjects: [GraphSubject], threads: Int = 1) -> ByteBuffer {
        var writer = DOTWriter(subjects, threads: threads)
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
    private var out = ByteBuffer()

    static let font = "Helvetica,Arial,sans-serif"

    /// How many threads may write the lines of a large pipeline (1 or 2).
    private let threads: Int

    /// Below this many tasks a pipeline's lines are written on one thread:
    /// starting and joining a thread would cost about what it saves (the
    /// same threshold as lint's checks, `WorkThreads.minimumTasks`).
    static let minimumTasksForTwoThreads = 256

    /// The pipeline size from which `threads` 2 splits the lines (tests lower it).
    private let splitFrom: Int

    init(_ subjects: [GraphSubject], threads: Int = 1, splitFrom: Int = DOTWriter.minimumTasksForTwoThreads) {
        self.subjects = subjects
        self.threads = threads
        self.splitFrom = splitFrom
        graphs = subjects.map { PipelineGraph(plan: $0.plan) }
        clustered = subjects.count > 1
        // Tasks claim their names before anything the renderer adds, so a
        // task keeps its own name as its id whenever it can.
        names.reserveCapacity(graphs.reduce(0) { $0 + $1.nodes.count })
        for graph in graphs {
            let prefix = clustered ? graph.plan.pipeline + "." : ""
            let tasks = graph.plan.tasks
            nodeIDs.append(tasks.indices.map { names.claim(prefix + tasks[$0].id) })
        }
        clusterIDs = graphs.map { names.claim("cluster_" + $0.plan.pipeline) }
    }

    /// Bytes a drawing takes per task, about (a node line, two or three edge
    /// lines, some labelled): reserved up front so the buffer rarely grows.
    private static let bytesPerTask = 192

    mutating func write() -> ByteBuffer {
        let title = clustered ? "pipelines" : (graphs.first?.plan.pipeline ?? "pipelines")
        out = ByteBuffer(reservingCapacity: 4096 + Self.bytesPerTask * graphs.reduce(0) { $0 + $1.nodes.count })
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

    /// Text built at run time (headers, trigger lines: a few per drawing).
    private mutating func emit(_ text: String) { out.appendUTF8(text) }

    /// Fixed text, the most of every node and edge line.
    private mutating func emitFixed(_ text: StaticString) { out.append(text) }

    private func caption(_ subject: GraphSubject) -> String {
        subject.plan.pipeline + (subject.overlay.map { "\n" + $0.caption } ?? "")
    }

    /// Writes one pipeline's nodes and edges; returns the trigger edges that
    /// cross into another drawn pipeline, which must be written outside every
    /// cluster (an edge inside a cluster would pull its far node into it).
    private mutating func writePipeline(_ s: Int) -> [String] {
        let graph = graphs[s]
        let indent: StaticString = clustered ? "    " : "  "
        if clustered {
            emit("  subgraph \(Self.id(clusterIDs[s])) {\n")
            emit("    graph [label=\(Self.label(caption(subjects[s]))), labeljust=l, style=rounded, color=\"#999999\"];\n")
        }
        let body = DOTBody(graph: graph, ids: nodeIDs[s], overlay: subjects[s].overlay, indent: indent)
        if threads >= 2 && graph.nodes.count >= splitFrom {
            // The lines are independent: the back half is written on a second
            // thread into a buffer of its own and appended, the same bytes.
            let middle = body.middleLine
            let (_, back) = SecondThread.run({ body.write(lines: 0..<middle, to: &out) }, beside: {
                var part = ByteBuffer(reservingCapacity: Self.bytesPerTask * graph.nodes.count / 2)
                body.write(lines: middle..<body.lineCount, to: &part)
                return part
            })
            back.withBytes { out.append($0) }
        } else {
            body.write(lines: 0..<body.lineCount, to: &out)
        }
        let crossEdges = writeTriggers(s, indent: clustered ? "    " : "  ")
        if clustered { emit("  }\n") }
        return crossEdges
    }

    /// A dashed edge from each trigger task to its pipeline: the first task of
    /// that pipeline's cluster when it is drawn too, else a node of its own.
    private mutating func writeTriggers(_ s: Int, indent: String) -> [String] {
        let graph = graphs[s]
        var pipelineNodes: [String: String] = [:]
        var crossEdges: [String] = []
        for i in graph.nodes.indices {
            guard let target = graph.nodes[i].triggers else { continue }
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

    /// A quoted DOT identifier. Inside quotes DOT knows two escapes, `\"` and
    /// `\\` (Graphviz 2.30 and later); identifiers are not label text, so no
    /// other processing applies and this mapping keeps distinct names distinct.
    static func id(_ raw: String) -> String {
        var out = ByteBuffer()
        writeID(raw, to: &out)
        return out.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    static func writeID(_ raw: String, to out: inout ByteBuffer) {
        out.append(UInt8(ascii: "\""))
        var text = EscapedText<DOTIdentifierEscaping>()
        text.append(raw, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// A quoted label (or tooltip): besides the quoting of `id`, labels are
    /// escString (`\n`, `\l`, `\N` … are directives, so a user's backslash is
    /// doubled) and Graphviz decodes `&...;` entities in them, so a user's `&`
    /// becomes `&amp;` and `&lt;` prints as typed.
    static func label(_ raw: String) -> String {
        var out = ByteBuffer()
        out.append(UInt8(ascii: "\""))
        var text = EscapedText<DOTLabelEscaping>()
        text.append(raw, to: &out)
        out.append(UInt8(ascii: "\""))
        return out.withBytes { String(decoding: $0, as: UTF8.self) }
    }
}

/// The node and edge lines of one pipeline, numbered nodes first, then
/// edges: each line depends only on the plan, the node ids and the run, so
/// any range of them can be written on its own (`DOTWriter` writes a large
/// pipeline's two halves on two threads).
struct DOTBody: Sendable {
    let graph: PipelineGraph
    /// Per task: the node id.
    let ids: [String]
    let overlay: RunOverlay?
    let indent: StaticString

    var lineCount: Int { graph.nodes.count + graph.edges.count }

    /// Where to cut the lines so both halves take about as long: a node line
    /// costs about two edge lines (callgrind, 10,000-task spec: 2,560 and
    /// 1,310 instructions).
    var middleLine: Int {
        let (nodeWeight, edgeWeight) = (2, 1)
        let half = (nodeWeight * graph.nodes.count + edgeWeight * graph.edges.count) / 2
        return half <= nodeWeight * graph.nodes.count
            ? half / nodeWeight
            : graph.nodes.count + (half - nodeWeight * graph.nodes.count) / edgeWeight
    }

    func write(lines: Range<Int>, to out: inout ByteBuffer) {
        let nodeCount = graph.nodes.count
        for i in lines.clamped(to: 0..<nodeCount) {
            out.append(indent)
            DOTWriter.writeID(ids[i], to: &out)
            out.append(" [")
            writeNodeAttributes(graph.plan.tasks[i], shape: graph.nodes[i].shape, to: &out)
            out.append("];\n")
        }
        for e in lines.clamped(to: nodeCount..<lineCount) {
            let edge = graph.edges[e - nodeCount]
            out.append(indent)
            DOTWriter.writeID(ids[edge.from], to: &out)
            out.append(" -> ")
            DOTWriter.writeID(ids[edge.to], to: &out)
            writeEdgeAttributes(edge, to: &out)
        }
    }

    /// The attributes of one node, `, `-separated, between its brackets.
    private func writeNodeAttributes(_ task: PlanTask, shape: PipelineGraph.Shape, to out: inout ByteBuffer) {
        let status = overlay?.status(of: task.id)
        switch shape {
        case .empty:
            // A dot too small to hold its name: the name sits beside it.
            out.append("shape=circle, width=0.22, height=0.22, fixedsize=true, label=\"\", xlabel=")
            writeNodeLabel(task, status, to: &out)
        case .branch:
            out.append("label=")
            writeNodeLabel(task, status, to: &out)
            out.append(", shape=diamond")
        case .task:
            out.append("label=")
            writeNodeLabel(task, status, to: &out)
            if task.isMapped { out.append(", shape=box3d") }
        }
        // box3d already reads as a stack; the other shapes get a second outline.
        if task.isMapped && shape != .task { out.append(", peripheries=2") }
        if let status { out.appendUTF8(", fillcolor=\"\(StatePalette.fill(status.state))\"") }
        out.append(", tooltip=\"")
        var tooltip = EscapedText<DOTLabelEscaping>()
        tooltip.append(task.description ?? task.id, to: &out)
        if let status {
            tooltip.appendLineBreak(to: &out)
            tooltip.appendPlain("state: ", to: &out)
            tooltip.append(StatePalette.label(status.state), to: &out)
            if let progress = status.progress {
                tooltip.appendPlain(" (", to: &out)
                tooltip.append(progress, to: &out)
                tooltip.appendPlain(" done)", to: &out)
            }
        }
        out.append("\"")
    }

    /// The node's label in DOT's quotes (`EscapedText.appendNodeLabel` says what it holds).
    private func writeNodeLabel(_ task: PlanTask, _ status: TaskRunStatus?, to out: inout ByteBuffer) {
        out.append("\"")
        var label = EscapedText<DOTLabelEscaping>()
        label.appendNodeLabel(task, status, to: &out)
        out.append("\"")
    }

    /// ` [attributes];` or `;`, and the line's end.
    private func writeEdgeAttributes(_ edge: PipelineGraph.Edge, to out: inout ByteBuffer) {
        let labelled = !edge.outputs.isEmpty
        guard labelled || edge.kind == .data else { out.append(";\n"); return }
        out.append(" [")
        if labelled {
            // One line per output: `bars[]`, and in the tooltip `fetch.bars: list[table(...)]`.
            out.append("label=\"")
            var label = EscapedText<DOTLabelEscaping>()
            for (i, output) in edge.outputs.enumerated() {
                if i > 0 { label.appendLineBreak(to: &out) }
                label.append(output.output, to: &out)
                if output.mapped { label.appendPlain("[]", to: &out) }
            }
            out.append("\", tooltip=\"")
            var tooltip = EscapedText<DOTLabelEscaping>()
            for (i, output) in edge.outputs.enumerated() {
                if i > 0 { tooltip.appendLineBreak(to: &out) }
                tooltip.append(output.task, to: &out)
                tooltip.appendPlain(".", to: &out)
                tooltip.append(output.output, to: &out)
                tooltip.appendPlain(": ", to: &out)
                tooltip.append(output.type.description, to: &out)
            }
            out.append("\"")
        }
        if edge.kind == .data {
            if labelled { out.append(", ") }
            out.append("style=dotted, color=\"#888888\", fontcolor=\"#777777\"")
        }
        out.append("];\n")
    }
}

/// Text inside a quoted DOT identifier: DOT's two escapes, `\"` and `\\`, and
/// a line break as `\n`.
enum DOTIdentifierEscaping: TextEscaping {
    @inline(__always)
    static func isPlain(_ byte: UInt8) -> Bool { byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") }

    static func write(_ scalar: Unicode.Scalar, to out: inout ByteBuffer) {
        switch scalar {
        case "\"": out.append("\\\"")
        case "\\": out.append("\\\\")
        case "\n": out.append("\\n")
        default: UTF8.encode(scalar) { out.append($0) }
        }
    }
}

/// Text inside a quoted DOT label or tooltip: as in an identifier, and `&` as
/// `&amp;` (Graphviz decodes entities in labels).
enum DOTLabelEscaping: TextEscaping {
    @inline(__always)
    static func isPlain(_ byte: UInt8) -> Bool { DOTIdentifierEscaping.isPlain(byte) && byte != UInt8(ascii: "&") }

    static func write(_ scalar: Unicode.Scalar, to out: inout ByteBuffer) {
        if scalar == "&" { out.append("&amp;") } else { DOTIdentifierEscaping.write(scalar, to: &out) }
    }
}
