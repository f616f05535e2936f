#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import SluiceDiagnostics

/// A YAML document as one flat array of nodes in event order, with every
/// scalar's text in one shared byte buffer. It holds exactly what the
/// positioned `YAMLNode` tree holds (ranges, styles, tags, merge keys applied,
/// duplicate pairs dropped), but costs one array append per event instead of
/// a `String`, an enum box and a few arrays per node: the spec decoder walks
/// it by index and builds `YAMLNode`s only for the values the spec keeps.
///
/// A collection's descendants follow it directly; its `link` skips them.
/// An alias is a node of its own that points back at the anchored node.
struct YAMLTape: Sendable {
    enum Kind: UInt8, Sendable {
        case scalar, sequence, mapping, alias
    }

    /// One node, in 36 bytes: positions and links are 32-bit, as the whole
    /// input is (`YAMLParser` refuses files of 4 GiB or more). Halving the
    /// node halves the memory the tape touches, and page faults are a large
    /// part of reading a big spec.
    struct Node: Sendable {
        /// 24 bytes: `SourceRange` holds its positions in 32 bits.
        var range: SourceRange
        private var storedLink: UInt32
        private var storedCount: UInt32
        var kind: Kind
        var style: ScalarStyle
        private var flags: UInt8 = 0

        init(range: SourceRange, link: Int, kind: Kind, style: ScalarStyle) {
            self.range = range
            storedLink = UInt32(truncatingIfNeeded: link)
            storedCount = 0
            self.kind = kind
            self.style = style
        }

        /// Scalar: where its text starts in `bytes`. Collection: the index
        /// just past its last descendant. Alias: the anchored node's index.
        var link: Int {
            @inline(__always) get { Int(storedLink) }
            set { storedLink = UInt32(truncatingIfNeeded: newValue) }
        }

        /// Scalar: its text's length in bytes. Sequence: its items. Mapping:
        /// its pairs, or, with merge keys, its entry in `mergeSpans`.
        var count: Int {
            @inline(__always) get { Int(storedCount) }
            set { storedCount = UInt32(truncatingIfNeeded: newValue) }
        }

        /// Set on a mapping key whose pair was dropped as a duplicate.
        var isDropped: Bool {
            @inline(__always) get { flags & 1 != 0 }
            set { flags = newValue ? flags | 1 : flags & ~1 }
        }

        /// Set on a mapping that holds a `<<` merge key: its pairs are in `mergedPairs`.
        var hasMergedPairs: Bool {
            @inline(__always) get { flags & 2 != 0 }
            set { flags = newValue ? flags | 2 : flags & ~2 }
        }

        var hasTag: Bool {
            @inline(__always) get { flags & 4 != 0 }
            set { flags = newValue ? flags | 4 : flags & ~4 }
        }
    }

    /// Every position, link and count of a tape fits its 32 bits when the input is smaller than this.
    static let maxInputBytes = Int(UInt32.max) - 1

    /// A key/value pair, both resolved through aliases.
    struct Pair: Sendable {
        var key: NodeRef
        var value: NodeRef
    }

    /// An explicit tag (`!!str`) and the node carrying it; rare, so kept aside.
    struct Tag: Sendable {
        var index: Int
        var tag: String
    }

    var nodes: [Node] = []
    var bytes: [UInt8] = []
    /// In node order (nodes are appended in order), so a lookup is a binary search.
    var tags: [Tag] = []
    /// The pairs of every mapping with merge keys (merges applied, see
    /// `MergeKeys`), one span of `mergedPairs` per such mapping.
    var mergedPairs: [Pair] = []
    var mergeSpans: [Range<Int>] = []

    /// Reads the tape through raw pointers: walking it then costs loads, not
    /// the retain/release pair that copying an array or slice out of it costs.
    func withView<Result>(_ body: (TapeView) -> Result) -> Result {
        nodes.withUnsafeBufferPointer { nodes in
            bytes.withUnsafeBufferPointer { bytes in
                mergedPairs.withUnsafeBufferPointer { merged in
                    mergeSpans.withUnsafeBufferPointer { spans in
                        tags.withUnsafeBufferPointer { tags in
                            body(TapeView(nodes: nodes, bytes: bytes, mergedPairs: merged, mergeSpans: spans, tags: tags))
                        }
                    }
                }
            }
        }
    }
}

/// A node of the tape, seen through an alias when there is one: content from
/// `index`, source range from `rangeIndex`.
struct NodeRef: Sendable {
    var index: Int
    var rangeIndex: Int
}

/// Read access to a `YAMLTape`, valid inside `YAMLTape.withView` only.
struct TapeView {
    /// A view of no tape, to hold where no view is valid.
    static var empty: TapeView {
        TapeView(nodes: UnsafeBufferPointer(start: nil, count: 0), bytes: UnsafeBufferPointer(start: nil, count: 0),
                 mergedPairs: UnsafeBufferPointer(start: nil, count: 0), mergeSpans: UnsafeBufferPointer(start: nil, count: 0),
                 tags: UnsafeBufferPointer(start: nil, count: 0))
    }

    let nodes: UnsafeBufferPointer<YAMLTape.Node>
    let bytes: UnsafeBufferPointer<UInt8>
    let mergedPairs: UnsafeBufferPointer<YAMLTape.Pair>
    let mergeSpans: UnsafeBufferPointer<Range<Int>>
    let tags: UnsafeBufferPointer<YAMLTape.Tag>

    /// The node at `index`, seen through an alias: the anchored node's
    /// content, positioned where the alias is written (as a copied tree node would be).
    func resolve(_ index: Int) -> NodeRef {
        let node = nodes[index]
        return node.kind == .alias ? NodeRef(index: node.link, rangeIndex: index) : NodeRef(index: index, rangeIndex: index)
    }

    func subtreeEnd(_ index: Int) -> Int {
        let node = nodes[index]
        return node.kind == .sequence || node.kind == .mapping ? node.link : index + 1
    }

    func kind(_ ref: NodeRef) -> YAMLTape.Kind { nodes[ref.index].kind }
    func style(_ ref: NodeRef) -> ScalarStyle { nodes[ref.index].style }
    func range(_ ref: NodeRef) -> SourceRange { nodes[ref.rangeIndex].range }

    func tag(_ ref: NodeRef) -> String? {
        guard nodes[ref.index].hasTag else { return nil }
        var low = 0, high = tags.count
        while low < high {
            let middle = (low + high) / 2
            if tags[middle].index < ref.index { low = middle + 1 } else { high = middle }
        }
        return low < tags.count && tags[low].index == ref.index ? tags[low].tag : nil
    }

    /// A scalar's text bytes (empty for other nodes).
    func text(_ ref: NodeRef) -> UnsafeBufferPointer<UInt8> {
        let node = nodes[ref.index]
        guard node.kind == .scalar else { return UnsafeBufferPointer(rebasing: bytes[0..<0]) }
        return UnsafeBufferPointer(rebasing: bytes[node.link..<(node.link + node.count)])
    }

    func string(_ ref: NodeRef) -> String {
        String(decoding: text(ref), as: UTF8.self)
    }

    /// The scalar, as a `YAMLNode` would hold it.
    func scalar(_ ref: NodeRef) -> YAMLScalar? {
        let node = nodes[ref.index]
        guard node.kind == .scalar else { return nil }
        return YAMLScalar(text: string(ref), style: node.style)
    }

    /// A mapping's pairs in order (duplicates dropped, merges applied).
    func pairs(_ ref: NodeRef) -> PairSequence {
        let node = nodes[ref.index]
        guard node.kind == .mapping else { return PairSequence(view: self, start: 0, end: 0, count: 0, merged: false) }
        if node.hasMergedPairs {
            let span = mergeSpans[node.count]
            return PairSequence(view: self, start: span.lowerBound, end: span.upperBound, count: span.count, merged: true)
        }
        return PairSequence(view: self, start: ref.index + 1, end: node.link, count: node.count, merged: false)
    }

    /// Pairs as written, before merge keys are applied (duplicates dropped).
    func writtenPairs(_ mapping: Int) -> PairSequence {
        PairSequence(view: self, start: mapping + 1, end: subtreeEnd(mapping), count: nodes[mapping].count, merged: false)
    }

    /// A sequence's items in order.
    func items(_ ref: NodeRef) -> ItemSequence {
        let node = nodes[ref.index]
        guard node.kind == .sequence else { return ItemSequence(view: self, position: 0, end: 0, count: 0) }
        return ItemSequence(view: self, position: ref.index + 1, end: node.link, count: node.count)
    }

    /// Byte equality of two texts.
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let x = a.baseAddress, let y = b.baseAddress else { return true }
        return memcmp(x, y, a.count) == 0
    }

    static func isASCII(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        !text.contains { $0 >= 0x80 }
    }
}

/// Walks a mapping's pairs on the tape without collecting them.
struct PairSequence: Sequence, IteratorProtocol {
    let view: TapeView
    var position: Int
    let end: Int
    /// How many pairs the walk yields, so results can be allocated once
    /// (only to reserve capacity: a walk never depends on it).
    let count: Int
    /// Walking the precomputed pairs of a mapping with merge keys, not the tape.
    let merged: Bool

    init(view: TapeView, start: Int, end: Int, count: Int, merged: Bool) {
        self.view = view
        self.position = start
        self.end = end
        self.count = count
        self.merged = merged
    }


    mutating func next() -> YAMLTape.Pair? {
        if merged {
            guard position < end else { return nil }
            defer { position += 1 }
            return view.mergedPairs[position]
        }
        while position < end {
            let key = position
            let value = view.subtreeEnd(key)
            guard value < end else { return nil }
            position = view.subtreeEnd(value)
            if !view.nodes[key].isDropped { return YAMLTape.Pair(key: view.resolve(key), value: view.resolve(value)) }
        }
        return nil
    }

    var isEmpty: Bool {
        var copy = self
        return copy.next() == nil
    }

    var first: YAMLTape.Pair? {
        var copy = self
        return copy.next()
    }
}

/// Walks a sequence's items on the tape.
struct ItemSequence: Sequence, IteratorProtocol {
    let view: TapeView
    var position: Int
    let end: Int
    let count: Int


    mutating func next() -> NodeRef? {
        guard position < end else { return nil }
        let item = position
        position = view.subtreeEnd(item)
        return view.resolve(item)
    }
}
