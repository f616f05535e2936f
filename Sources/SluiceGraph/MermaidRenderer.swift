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
    private var out: [UInt8] = []

    init(_ subjects: [GraphSubject]) {
        self.subjects = subjects
        graphs = subjects.map { PipelineGraph(plan: $0.plan) }
        clustered = subjects.count > 1
        for graph in graphs {
            let prefix = clustered ? "t_" + Self.sanitized(graph.plan.pipeline) + "__" : "t_"
            nodeIDs.append(graph.nodes.map { names.claim(prefix + Self.sanitized($0.task.id)) })
        }
        subgraphIDs = graphs.map { names.claim("s_" + Self.sanitized($0.plan.pipeline)) }
    }

    mutating func write() -> [UInt8] {
        out = []
        emit("flowchart LR\n")
        var crossEdges: [String] = []
        for s in subjects.indices { crossEdges += writePipeline(s) }
        for edge in crossEdges { emit("  "); emit(edge); emit("\n") }
        if subjects.contains(where: { $0.overlay != nil }) { writeStates() }
        return out
    }

    private mutating func emit(_ text: String) { out.appendUTF8(text) }

    private mutating func writePipeline(_ s: Int) -> [String] {
        let graph = graphs[s]
        let overlay = subjects[s].overlay
        let indent = clustered ? "    " : "  "
        if clustered {
            var title = graph.plan.pipeline
            if let overlay { title += "\n" + overlay.caption }
            emit("  subgraph \(subgraphIDs[s])[\"\(Self.text(title))\"]\n")
        }
        for (i, node) in graph.nodes.enumerated() {
            emit(indent)
            emit(nodeIDs[s][i])
            writeShape(node, overlay)
            if let overlay { emit(":::"); emit(Self.className(overlay.status(of: node.task.id).state)) }
            emit("\n")
        }
        for edge in graph.edges {
            emit(indent)
            emit(nodeIDs[s][edge.from])
            emit(edge.kind == .data ? " -.->" : " -->")
            if !edge.outputs.isEmpty {
                emit("|\"")
                Self.writeText(lines: edge.outputs.map(\.edgeLabel), to: &out)
                emit("\"|")
            }
            emit(" ")
            emit(nodeIDs[s][edge.to])
            emit("\n")
        }
        let crossEdges = writeTriggers(s, indent: indent)
        if clustered { emit("  end\n") }
        return crossEdges
    }

    /// The node's shape and label: stack `[[ ]]`, diamond `{ }`, small
    /// circle `(( ))`, box `[ ]`.
    private mutating func writeShape(_ node: PipelineGraph.Node, _ overlay: RunOverlay?) {
        var lines = [node.task.id]
        if let foreach = node.task.foreachCaption { lines.append(foreach) }
        if let progress = overlay?.status(of: node.task.id).progress { lines.append(progress) }
        if let checks = overlay?.status(of: node.task.id).checkCaption { lines.append(checks) }
        if let failed = overlay?.status(of: node.task.id).failedInstancesCaption { lines.append(failed) }
        let (open, close) = switch node.shape {
        case .branch: ("{\"", "\"}")
        case .empty: ("((\"", "\"))")
        case .task: node.mapped ? ("[[\"", "\"]]") : ("[\"", "\"]")
        }
        emit(open)
        Self.writeText(lines: lines, to: &out)
        emit(close)
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

    private static let special: Set<UInt8> = Set("#\"&<>|`%".utf8)

    /// Label text for inside `"..."`: Mermaid reads `#name;` and `#123;`
    /// entity codes there, so `#` itself is encoded first; quotes, `<`, `>`
    /// and `&` (labels are HTML), `|` (edge label delimiters), backquotes
    /// (markdown strings) and `%` (`%%{...}%%` directives) are encoded too.
    /// Line breaks become `<br>`.
    static func text(_ raw: String) -> String {
        // Letters, digits and plain punctuation need nothing: copy them as they are.
        if isPlain(raw) { return raw }
        var out = ""
        for scalar in printable(raw).unicodeScalars {
            switch scalar {
            case "#": out += "#35;"
            case "\"": out += "#quot;"
            case "&": out += "#amp;"
            case "<": out += "#lt;"
            case ">": out += "#gt;"
            case "|": out += "#124;"
            case "`": out += "#96;"
            case "%": out += "#37;"
            case "\n": out += "<br>"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension MermaidWriter {
    /// Letters, digits and plain punctuation: text that needs no encoding.
    static func isPlain(_ raw: String) -> Bool {
        raw.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && !special.contains($0) }
    }

    /// `text(lines.joined(separator: "\n"))`, appended; plain lines (nearly
    /// all) are copied with `<br>` between them and never joined first.
    static func writeText(lines: [String], to out: inout [UInt8]) {
        guard lines.allSatisfy(isPlain) else {
            out.append(contentsOf: text(lines.joined(separator: "\n")).utf8)
            return
        }
        for (i, line) in lines.enumerated() {
            if i > 0 { out.append(contentsOf: "<br>".utf8) }
            out.appendUTF8(line)
        }
    }
}
