import SluiceBasics
import SluicePlan

/// A Mermaid `flowchart LR` that GitHub renders inside a ```mermaid block
/// (docs/graph.md). Node ids are made from names but sanitized to
/// `[A-Za-z0-9_]` with a kind prefix (`t_`, `p_`, `s_`), which also keeps
/// them clear of Mermaid keywords (`end`) and of edge syntax (`o`/`x` after
/// an arrow); all text sits in quoted labels with Mermaid's entity codes.
public enum MermaidRenderer {
    public static func render(_ subjects: [GraphSubject]) -> String {
        String(decoding: renderUTF8(subjects), as: UTF8.self)
    }

    /// `render` as UTF-8 bytes, written into one buffer with no string built per node.
    public static func renderUTF8(_ subjects: [GraphSubject]) -> [UInt8] {
        renderBytes(subjects).array
    }

    /// `renderUTF8` in the buffer it was written into (no copy into an array).
    public static func renderBytes(_ subjects: [GraphSubject]) -> ByteBuffer {
        var writer = MermaidWriter(subjects)
        return writer.write()
    }
}

struct MermaidWriter {
    private let subjects: [GraphSubject]
    private let graphs: [PipelineGraph]
    private let clustered: Bool
    private var names = UniqueNames(separator: "_")
    private var nodeIDs: [[String]] = []
    private var subgraphIDs: [String] = []
    private var out = ByteBuffer()

    init(_ subjects: [GraphSubject]) {
        self.subjects = subjects
        graphs = subjects.map { PipelineGraph(plan: $0.plan) }
        clustered = subjects.count > 1
        names.reserveCapacity(graphs.reduce(0) { $0 + $1.nodes.count })
        for graph in graphs {
            let prefix = clustered ? "t_" + Self.sanitized(graph.plan.pipeline) + "__" : "t_"
            nodeIDs.append(graph.nodes.map { names.claim(prefix + Self.sanitized($0.task.id)) })
        }
        subgraphIDs = graphs.map { names.claim("s_" + Self.sanitized($0.plan.pipeline)) }
    }

    /// Bytes a drawing takes per task, about (a node line, two or three edge lines).
    private static let bytesPerTask = 128

    mutating func write() -> ByteBuffer {
        out = ByteBuffer(reservingCapacity: 4096 + Self.bytesPerTask * graphs.reduce(0) { $0 + $1.nodes.count })
        emit("flowchart LR\n")
        var crossEdges: [String] = []
        for s in subjects.indices { crossEdges += writePipeline(s) }
        for edge in crossEdges { emit("  "); emit(edge); emit("\n") }
        if subjects.contains(where: { $0.overlay != nil }) { writeStates() }
        return out
    }

    private mutating func emit(_ text: String) { out.appendUTF8(text) }

    /// Fixed text, the most of every node and edge line.
    private mutating func emitFixed(_ text: StaticString) { out.append(text) }

    private mutating func writePipeline(_ s: Int) -> [String] {
        let graph = graphs[s]
        let overlay = subjects[s].overlay
        let indent: StaticString = clustered ? "    " : "  "
        if clustered {
            var title = graph.plan.pipeline
            if let overlay { title += "\n" + overlay.caption }
            emit("  subgraph \(subgraphIDs[s])[\"\(Self.text(title))\"]\n")
        }
        for i in graph.nodes.indices {
            emitFixed(indent)
            emit(nodeIDs[s][i])
            let status = overlay?.status(of: graph.plan.tasks[i].id)
            writeShape(graph.plan.tasks[i], shape: graph.nodes[i].shape, status)
            if let status { emitFixed(":::"); emit(Self.className(status.state)) }
            emitFixed("\n")
        }
        for edge in graph.edges {
            emitFixed(indent)
            emit(nodeIDs[s][edge.from])
            if edge.kind == .data { emitFixed(" -.->") } else { emitFixed(" -->") }
            if !edge.outputs.isEmpty {
                emitFixed("|\"")
                var label = EscapedText<MermaidEscaping>()
                for (i, output) in edge.outputs.enumerated() {
                    if i > 0 { label.appendLineBreak(to: &out) }
                    label.append(output.output, to: &out)
                    if output.mapped { label.appendPlain("[]", to: &out) }
                }
                emitFixed("\"|")
            }
            emitFixed(" ")
            emit(nodeIDs[s][edge.to])
            emitFixed("\n")
        }
        let crossEdges = writeTriggers(s, indent: clustered ? "    " : "  ")
        if clustered { emit("  end\n") }
        return crossEdges
    }

    /// The node's shape and label: stack `[[ ]]`, diamond `{ }`, small
    /// circle `(( ))`, box `[ ]`.
    private mutating func writeShape(_ task: PlanTask, shape: PipelineGraph.Shape, _ status: TaskRunStatus?) {
        let (open, close): (StaticString, StaticString) = switch shape {
        case .branch: ("{\"", "\"}")
        case .empty: ("((\"", "\"))")
        case .task: task.isMapped ? ("[[\"", "\"]]") : ("[\"", "\"]")
        }
        emitFixed(open)
        var label = EscapedText<MermaidEscaping>()
        label.appendNodeLabel(task, status, to: &out)
        emitFixed(close)
    }

    private mutating func writeTriggers(_ s: Int, indent: String) -> [String] {
        let graph = graphs[s]
        var pipelineNodes: [String: String] = [:]
        var crossEdges: [String] = []
        for (i, node) in graph.nodes.enumerated() {
            guard let target = node.triggers else { continue }
            if clustered, let t = subjects.firstIndex(where: { $0.plan.pipeline == target }), t != s {
                // Mermaid can point an edge at a whole subgraph.
                crossEdges.append(nodeIDs[s][i] + " -.->|\"triggers\"| " + subgraphIDs[t])
                continue
            }
            if pipelineNodes[target] == nil {
                let prefix = clustered ? "p_" + Self.sanitized(graph.plan.pipeline) + "__" : "p_"
                let id = names.claim(prefix + Self.sanitized(target))
                pipelineNodes[target] = id
                emit(indent + id + ">\"" + Self.text(target) + "\"]\n")
            }
            if let id = pipelineNodes[target] {
                emit(indent + nodeIDs[s][i] + " -.->|\"triggers\"| " + id + "\n")
            }
        }
        return crossEdges
    }

    /// classDefs for the states and a legend subgraph showing each colour.
    private mutating func writeStates() {
        for state in StatePalette.drawn {
            emit("  classDef \(Self.className(state)) fill:\(StatePalette.fill(state)),stroke:#444444,color:#000000\n")
        }
        // Mermaid flowcharts have no title: a single pipeline's run is named
        // on its legend instead.
        let title = clustered ? "legend" : (subjects.first?.overlay.map { "legend: " + $0.caption } ?? "legend")
        let legend = names.claim("s_legend")
        emit("  subgraph \(legend)[\"\(Self.text(title))\"]\n")
        for entry in StatePalette.legend {
            let id = names.claim("legend_" + Self.className(entry.state))
            emit("    \(id)[\"\(Self.text(entry.label))\"]:::\(Self.className(entry.state))\n")
        }
        emit("  end\n")
    }

    /// `upstream_failed` and friends: class names are identifiers too.
    static func className(_ state: TaskState?) -> String { "state_" + StatePalette.name(state) }

    /// `[A-Za-z0-9_]` only; anything else becomes `_` (the label keeps the
    /// real name). Empty names still give a usable id.
    static func sanitized(_ name: String) -> String {
        let scalars = name.unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_": Character(scalar)
            default: "_"
            }
        }
        return scalars.isEmpty ? "_" : String(scalars)
    }

    /// Label text for inside `"..."`: Mermaid reads `#name;` and `#123;`
    /// entity codes there, so `#` itself is encoded first; quotes, `<`, `>`
    /// and `&` (labels are HTML), `|` (edge label delimiters), backquotes
    /// (markdown strings) and `%` (`%%{...}%%` directives) are encoded too.
    /// Line breaks become `<br>`.
    static func text(_ raw: String) -> String {
        var out = ByteBuffer()
        var text = EscapedText<MermaidEscaping>()
        text.append(raw, to: &out)
        return out.withBytes { String(decoding: $0, as: UTF8.self) }
    }
}

/// Text inside a quoted Mermaid label (`MermaidWriter.text`).
enum MermaidEscaping: TextEscaping {
    @inline(__always)
    static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "#"), UInt8(ascii: "\""), UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"),
             UInt8(ascii: "|"), UInt8(ascii: "`"), UInt8(ascii: "%"): false
        default: true
        }
    }

    static func write(_ scalar: Unicode.Scalar, to out: inout ByteBuffer) {
        switch scalar {
        case "#": out.append("#35;")
        case "\"": out.append("#quot;")
        case "&": out.append("#amp;")
        case "<": out.append("#lt;")
        case ">": out.append("#gt;")
        case "|": out.append("#124;")
        case "`": out.append("#96;")
        case "%": out.append("#37;")
        case "\n": out.append("<br>")
        default: UTF8.encode(scalar) { out.append($0) }
        }
    }
}
