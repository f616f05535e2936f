import SluiceDiagnostics

/// Limits that keep hostile input from exhausting memory or the stack.
public struct YAMLLimits: Sendable {
    /// Deepest nesting of sequences/mappings accepted (a spec needs about 6).
    public var maxDepth: Int = 128
    /// Most nodes a document may expand to through aliases (billion-laughs guard).
    public var maxExpandedNodes: Int = 1_000_000
    /// Inputs at least this large are parsed by libyaml on a second thread
    /// while the first builds the tape (see `EventPipeline`); below it a
    /// thread costs more than it saves. Results never depend on it.
    public var parallelParsingBytes: Int = 64 << 10

    public init() {}
}

/// The outcome of reading one YAML file: the root node of its (single)
/// document, or nil when the text is empty or not valid YAML, plus diagnostics.
public struct YAMLDocument: Sendable {
    public var root: YAMLNode?
    public var diagnostics: [Diagnostic]
}

/// The same outcome on a tape, which the spec decoder reads without building a tree.
struct TapeDocument: Sendable {
    var tape: YAMLTape
    var root: NodeRef?
    var diagnostics: [Diagnostic]
    /// The mapping whose pairs were streamed (and whose values may be gone from the tape), or -1.
    var streamedMapping = -1
}

/// Reads YAML from libyaml's event stream. Never throws: syntax errors,
/// duplicate keys and limit breaches become diagnostics.
public enum YAMLParser {
    /// The positioned tree of `text`.
    public static func parse(_ text: String, file: String, limits: YAMLLimits = YAMLLimits()) -> YAMLDocument {
        let document = parseTape(text, file: file, limits: limits)
        let root = document.root.map { root in document.tape.withView { view in view.tree(root) } }
        return YAMLDocument(root: root, diagnostics: document.diagnostics)
    }

    static func parseTape(_ text: String, file: String, limits: YAMLLimits = YAMLLimits()) -> TapeDocument {
        var consumer = NoStreaming()
        return parseTape(text, file: file, limits: limits, streaming: &consumer)
    }

    /// Reads `text` onto a tape, handing the pairs of one top-level mapping to
    /// `consumer` as they complete (see `TapeConsumer`).
    static func parseTape<Consumer: TapeConsumer>(_ text: String, file: String, limits: YAMLLimits,
                                                  streaming consumer: inout Consumer) -> TapeDocument {
        var text = text
        return text.withUTF8 { bytes in
            if bytes.isEmpty { return TapeDocument(tape: YAMLTape(), root: nil, diagnostics: []) }
            // A whole tape holds about one node per ten bytes; a streamed one a few thousand.
            let streams = !(consumer is NoStreaming)
            var builder = TapeBuilder(file: file, limits: limits, consumer: consumer,
                                      reserving: streams ? 4096 : bytes.count / 8 + 16, bytes: streams ? 65536 : bytes.count)
            builder.run(bytes)
            consumer = builder.consumer
            let root = builder.root.map { index in builder.tape.withView { view in view.resolve(index) } }
            return TapeDocument(tape: builder.tape, root: root, diagnostics: builder.sink.diagnostics, streamedMapping: builder.streamedMapping)
        }
    }
}

/// Builds `YAMLNode` trees from a tape. A node reached through several
/// aliases is built once and shared, as the tree composer shared it, so an
/// alias-heavy document costs what its tape costs, not what it expands to.
struct TreeMaterializer {
    let view: TapeView
    private var aliased: [Int: YAMLNode] = [:]

    init(view: TapeView) {
        self.view = view
    }

    /// The subtree at `ref`.
    mutating func tree(_ ref: NodeRef) -> YAMLNode {
        guard ref.index != ref.rangeIndex else { return build(ref) }
        var node = aliased[ref.index] ?? build(NodeRef(index: ref.index, rangeIndex: ref.index))
        aliased[ref.index] = node
        node.range = view.range(ref)
        return node
    }

    /// Recursion is bounded: the builder caps nesting (aliases included) at `YAMLLimits.maxDepth`.
    private mutating func build(_ ref: NodeRef) -> YAMLNode {
        let content: YAMLNode.Content
        switch view.kind(ref) {
        case .sequence:
            var items: [YAMLNode] = []
            for item in view.items(ref) { items.append(tree(item)) }
            content = .sequence(items)
        case .mapping:
            var pairs: [YAMLPair] = []
            for pair in view.pairs(ref) { pairs.append(YAMLPair(key: tree(pair.key), value: tree(pair.value))) }
            content = .mapping(pairs)
        case .scalar, .alias:
            content = .scalar(view.scalar(ref) ?? YAMLScalar(text: "", style: .plain))
        }
        return YAMLNode(content, range: view.range(ref), tag: view.tag(ref))
    }
}

extension TapeView {
    /// A scalar node; nil for collections.
    func scalarNode(_ ref: NodeRef) -> YAMLNode? {
        guard let scalar = scalar(ref) else { return nil }
        return YAMLNode(.scalar(scalar), range: range(ref), tag: tag(ref))
    }

    /// The subtree at `ref` as a positioned tree.
    func tree(_ ref: NodeRef) -> YAMLNode {
        var materializer = TreeMaterializer(view: self)
        return materializer.tree(ref)
    }
}
