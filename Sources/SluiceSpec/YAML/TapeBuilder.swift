import CYAML
import SluiceDiagnostics

/// Consumes libyaml's events one at a time into a `YAMLTape`, keeping an
/// explicit stack of open collections (no recursion, so deep input cannot
/// overflow the call stack). Reports duplicate keys at their second
/// occurrence, applies merge keys, and bounds depth and alias expansion.
///
/// The pairs of one top-level mapping may be handed to a `consumer` as each
/// completes; the tape then drops the value's subtree (when nothing can
/// refer back into it), so a 10,000-task spec never sits on the tape whole.
struct TapeBuilder<Consumer: TapeConsumer> {
    /// An open sequence or mapping, whose node is already on the tape. Plain
    /// values only (anchors and key indexes live aside), so updating the top
    /// of the stack is a store, not a copy of reference-counted fields.
    struct OpenCollection {
        let index: Int
        let isMapping: Bool
        let isFlow: Bool
        /// Index into `anchorNames`, or -1.
        let anchor: Int
        var height = 0
        var weight = 1
        /// A key waiting for its value, or -1.
        var pendingKey = -1
        /// The last item, or the value of the last pair kept (a block
        /// collection ends there), or -1.
        var lastKept = -1
        var keptPairs = 0
        var items = 0
        var hasMergeKey = false
        /// Whether this mapping's key index is on `keyIndexes` (the last one:
        /// mappings nest, so the innermost indexed mapping's index is on top).
        var isIndexed = false
    }

    /// An anchored node with its size, so an alias can be charged for what it expands to.
    struct Anchored {
        var index: Int
        var height: Int
        var weight: Int
    }

    /// Small mappings are searched linearly: cheaper than hashing every key.
    static var linearScanLimit: Int { 16 }

    var sink: DiagnosticSink
    let limits: YAMLLimits
    var consumer: Consumer
    var tape = YAMLTape()
    /// The node of the mapping whose pairs go to `consumer`, or -1.
    var streamedMapping = -1
    /// Whether a streamed pair's value may be dropped from the tape once consumed.
    var dropsStreamedValues = false
    /// The tape's sizes when the streamed mapping's current value opened: what it is cut back to.
    var valueStart = TapeMarks()
    /// The last node an anchor was put on: nothing after it can be reached by an alias.
    var lastAnchoredNode = -1
    var stack: [OpenCollection] = []
    /// Names of anchors on collections still open.
    var anchorNames: [String] = []
    /// Key indexes of the large mappings still open, innermost last.
    var keyIndexes: [KeyIndex] = []
    var anchors: [String: Anchored] = [:]
    var root: Int?
    var documents = 0
    var expandedNodes = 0
    var aborted = false

    init(file: String, limits: YAMLLimits, consumer: Consumer, reserving expectedNodes: Int, bytes expectedBytes: Int) {
        self.sink = DiagnosticSink(file: file)
        self.limits = limits
        self.consumer = consumer
        // Reserving avoids regrowing copies; untouched reserved memory costs nothing.
        tape.nodes.reserveCapacity(expectedNodes)
        tape.bytes.reserveCapacity(expectedBytes)
    }

    mutating func run(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard buffer.count <= YAMLTape.maxInputBytes else {
            sink.emit(.yamlSyntax, at: SourceRange(at: SourceLocation(line: 1, column: 1)),
                      "the file is 4 GiB or larger, far beyond any pipeline spec; it is not read")
            return
        }
        if buffer.count >= limits.parallelParsingBytes, parsePipelined(buffer) { return }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1, let base = buffer.baseAddress else {
            sink.emit(.yamlSyntax, at: SourceRange(at: SourceLocation(line: 1, column: 1)), "could not start the YAML parser")
            return
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, base, buffer.count)
        consumer.readingStarted()
        var event = yaml_event_t()
        while !aborted {
            guard yaml_parser_parse(&parser, &event) == 1 else {
                reportSyntaxError(parser)
                root = nil
                return
            }
            let done = event.type == YAML_STREAM_END_EVENT
            handle(event)
            yaml_event_delete(&event)
            if done { break }
        }
        if aborted { root = nil }
    }

    /// The same as the loop above, with libyaml on a second thread (see
    /// `EventPipeline`). False when that thread could not start and nothing was read.
    private mutating func parsePipelined(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        let pipeline = EventPipeline(input: buffer)
        guard pipeline.start() else { return false }
        consumer.readingStarted()
        let ended = pipeline.consume { event in
            handle(event.pointee)
            return !aborted
        }
        pipeline.finish()
        if !ended, !aborted, pipeline.parseFailed {
            reportSyntaxError(pipeline.parser)
        }
        if aborted || !ended { root = nil }
        return true
    }

    /// Applies the merge keys of a mapping that just closed: the mappings a
    /// merge draws from are complete, their own merges applied.
    mutating func applyMergeKeys(_ index: Int) -> [YAMLTape.Pair] {
        let pairs = tape.withView { MergeKeys.apply(index, in: $0) }
        tape.nodes[index].count = tape.mergeSpans.count
        tape.nodes[index].hasMergedPairs = true
        tape.mergeSpans.append(tape.mergedPairs.count..<(tape.mergedPairs.count + pairs.count))
        tape.mergedPairs.append(contentsOf: pairs)
        return pairs
    }

    mutating func handle(_ event: yaml_event_t) {
        switch event.type {
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let index = append(.scalar, style: style(s.style), event, tag: s.tag)
            if let value = s.value, s.length > 0 {
                tape.nodes[index].count = s.length
                tape.bytes.append(contentsOf: UnsafeBufferPointer(start: value, count: s.length))
            }
            complete(index, anchor: optionalString(s.anchor), height: 0, weight: 1)
        case YAML_MAPPING_START_EVENT:
            let m = event.data.mapping_start
            open(.mapping, isFlow: m.style == YAML_FLOW_MAPPING_STYLE, anchor: m.anchor, tag: m.tag, event)
        case YAML_MAPPING_END_EVENT, YAML_SEQUENCE_END_EVENT:
            close(end: range(event).end)
        case YAML_SEQUENCE_START_EVENT:
            let s = event.data.sequence_start
            open(.sequence, isFlow: s.style == YAML_FLOW_SEQUENCE_STYLE, anchor: s.anchor, tag: s.tag, event)
        case YAML_ALIAS_EVENT:
            alias(optionalString(event.data.alias.anchor) ?? "", range: range(event))
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents == 2 {
                sink.emit(.yamlSyntax, at: range(event), "a spec file holds one YAML document; this second document is ignored")
            }
        default:
            break
        }
    }

    mutating func append(_ kind: YAMLTape.Kind, style: ScalarStyle = .plain, _ event: yaml_event_t, tag: UnsafeMutablePointer<yaml_char_t>?) -> Int {
        let index = tape.nodes.count
        // A scalar's text will start at the end of `bytes`; a collection's end is set when it closes.
        let link = kind == .scalar ? tape.bytes.count : index + 1
        tape.nodes.append(YAMLTape.Node(range: range(event), link: link, kind: kind, style: style))
        if let tag = optionalString(tag) {
            tape.tags.append(YAMLTape.Tag(index: index, tag: tag))
            tape.nodes[index].hasTag = true
        }
        return index
    }

    mutating func open(_ kind: YAMLTape.Kind, isFlow: Bool, anchor: UnsafeMutablePointer<yaml_char_t>?,
                       tag: UnsafeMutablePointer<yaml_char_t>?, _ event: yaml_event_t) {
        guard stack.count < limits.maxDepth else {
            sink.emit(.yamlSyntax, at: range(event), "nesting is deeper than \(limits.maxDepth) levels",
                      notes: ["a pipeline spec needs only a few levels; the rest of the file is not read"])
            aborted = true
            return
        }
        let streams = kind == .mapping && isStreamedMapping()
        let index = append(kind, event, tag: tag)
        // A value of the streamed mapping: what follows its node is what it is cut back to.
        if stack.count == 2, stack[1].index == streamedMapping { valueStart = marks() }
        var anchorIndex = -1
        if let name = optionalString(anchor) {
            anchorIndex = anchorNames.count
            anchorNames.append(name)
        }
        if streams {
            streamedMapping = index
            // An alias to the mapping itself would reach the values dropped from it.
            dropsStreamedValues = anchorIndex < 0
        }
        stack.append(OpenCollection(index: index, isMapping: kind == .mapping, isFlow: isFlow, anchor: anchorIndex))
    }

    /// A block collection's end mark is the start of the next token, often
    /// lines later, so it ends at its last child instead.
    mutating func close(end: SourceLocation) {
        guard let frame = stack.popLast() else { return }
        let start = tape.nodes[frame.index].range.start
        let last = frame.isFlow || frame.lastKept < 0 ? end : tape.nodes[frame.lastKept].range.end
        tape.nodes[frame.index].range = SourceRange(start: start, end: last)
        tape.nodes[frame.index].link = tape.nodes.count
        tape.nodes[frame.index].count = frame.isMapping ? frame.keptPairs : frame.items
        if frame.hasMergeKey {
            let pairs = applyMergeKeys(frame.index)
            // The streamed mapping's own pairs were consumed as they came; the merged ones follow them.
            if frame.index == streamedMapping { consumeMerged(pairs, of: frame.index) }
        }
        if frame.isIndexed { keyIndexes.removeLast() }
        var anchor: String?
        if frame.anchor >= 0 { anchor = anchorNames.removeLast() }
        complete(frame.index, anchor: anchor, height: frame.height + 1, weight: frame.weight)
    }

    mutating func alias(_ name: String, range: SourceRange) {
        guard let target = anchors[name] else {
            // libyaml's event parser leaves this to composers; like them, we
            // treat it as invalid YAML rather than guess a value.
            sink.emit(.yamlSyntax, at: range, "alias \"*\(name)\" refers to no anchor defined before it")
            aborted = true
            return
        }
        guard stack.count + target.height <= limits.maxDepth else {
            sink.emit(.yamlSyntax, at: range, "alias \"*\(name)\" expands deeper than \(limits.maxDepth) levels")
            aborted = true
            return
        }
        expandedNodes += target.weight
        guard expandedNodes <= limits.maxExpandedNodes else {
            sink.emit(.yamlSyntax, at: range, "aliases expand to more than \(limits.maxExpandedNodes) nodes",
                      notes: ["this looks like an alias bomb (\"billion laughs\"); the rest of the file is not read"])
            aborted = true
            return
        }
        let index = tape.nodes.count
        tape.nodes.append(YAMLTape.Node(range: range, link: target.index, kind: .alias, style: .plain))
        complete(index, anchor: nil, height: target.height, weight: target.weight)
    }

    /// Attaches a finished node to its parent (or makes it the root).
    mutating func complete(_ index: Int, anchor: String?, height: Int, weight: Int) {
        if let anchor {
            anchors[anchor] = Anchored(index: index, height: height, weight: weight)
            lastAnchoredNode = max(lastAnchoredNode, index)
        }
        let top = stack.count - 1
        guard top >= 0 else {
            if documents <= 1 { root = index }
            return
        }
        stack[top].height = max(stack[top].height, height)
        stack[top].weight += weight
        guard stack[top].isMapping else {
            stack[top].lastKept = index
            stack[top].items += 1
            return
        }
        let key = stack[top].pendingKey
        guard key >= 0 else {
            stack[top].pendingKey = index
            return
        }
        stack[top].pendingKey = -1
        if let first = firstOccurrence(ofKeyAt: key, inFrame: top) {
            reportDuplicate(key, first: first)
            tape.nodes[key].isDropped = true
            return
        }
        keep(key: key, value: index, inFrame: top)
    }

    mutating func keep(key: Int, value: Int, inFrame top: Int) {
        stack[top].lastKept = value
        stack[top].keptPairs += 1
        let target = resolve(key)
        let isMergeKey = tape.nodes[target].kind == .scalar && tape.nodes[target].style == .plain && isMergeText(target)
        if isMergeKey { stack[top].hasMergeKey = true }
        if stack[top].index == streamedMapping, !isMergeKey { stream(key: key, value: value) }
        // Once built (by firstOccurrence, from every pair), the index is kept current.
        guard stack[top].isIndexed, let text = keyText(key) else { return }
        tape.bytes.withUnsafeBufferPointer { keyIndexes[keyIndexes.count - 1].insert(key, text: text, in: $0) }
    }

    mutating func reportSyntaxError(_ parser: yaml_parser_t) {
        let problem = optionalCString(parser.problem) ?? "invalid YAML"
        let mark = location(parser.problem_mark)
        var notes: [String] = []
        if let context = optionalCString(parser.context) {
            let at = location(parser.context_mark)
            notes.append("\(context) starting at line \(at.line), column \(at.column)")
        }
        sink.emit(.yamlSyntax, at: SourceRange(start: mark, end: SourceLocation(line: mark.line, column: mark.column + 1, offset: mark.offset + 1)),
                  problem, notes: notes)
    }

    // Small helpers are always inlined: called from a mutating method, a
    // non-mutating method gets a copy of the whole builder, hundreds of bytes.

    @inline(__always) func range(_ event: yaml_event_t) -> SourceRange {
        SourceRange(start: location(event.start_mark), end: location(event.end_mark))
    }

    @inline(__always) func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(line: mark.line + 1, column: mark.column + 1, offset: mark.index)
    }

    @inline(__always) func style(_ style: yaml_scalar_style_t) -> ScalarStyle {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }

    @inline(__always) func optionalString(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    @inline(__always) func optionalCString(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }
}
