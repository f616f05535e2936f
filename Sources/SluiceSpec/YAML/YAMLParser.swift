import CYAML
import SluiceDiagnostics

/// Limits that keep hostile input from exhausting memory or the stack.
public struct YAMLLimits: Sendable {
    /// Deepest nesting of sequences/mappings accepted (a spec needs about 6).
    public var maxDepth: Int = 128
    /// Most nodes a document may expand to through aliases (billion-laughs guard).
    public var maxExpandedNodes: Int = 1_000_000

    public init() {}
}

/// The outcome of reading one YAML file: the root node of its (single)
/// document, or nil when the text is empty or not valid YAML, plus diagnostics.
public struct YAMLDocument: Sendable {
    public var root: YAMLNode?
    public var diagnostics: [Diagnostic]
}

/// Builds a positioned tree from libyaml's event stream. Never throws: syntax
/// errors, duplicate keys and limit breaches become diagnostics.
public enum YAMLParser {
    public static func parse(_ text: String, file: String, limits: YAMLLimits = YAMLLimits()) -> YAMLDocument {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return YAMLDocument(root: nil, diagnostics: []) }
        return bytes.withUnsafeMutableBufferPointer { buffer in
            var builder = TreeBuilder(file: file, limits: limits)
            builder.run(buffer)
            return YAMLDocument(root: builder.root, diagnostics: builder.sink.diagnostics)
        }
    }
}

/// Consumes events one at a time, keeping an explicit stack (no recursion, so
/// deep input cannot overflow the call stack).
private struct TreeBuilder {
    /// An open sequence or mapping. A class, so appending a child mutates it
    /// in place: extracting an array from an enum payload and re-wrapping it
    /// copies it on every append, which made a 10,000-task mapping quadratic.
    final class Frame {
        let isMapping: Bool
        let isFlow: Bool
        let start: SourceLocation
        let anchor: String?
        let tag: String?
        var items: [YAMLNode] = []
        var pairs: [YAMLPair] = []
        var pendingKey: YAMLNode?
        var seen: [String: SourceRange] = [:]
        var height = 0
        var weight = 1

        /// Small mappings are searched linearly: cheaper than hashing every key.
        static let linearScanLimit = 16

        func firstOccurrence(of key: String) -> SourceRange? {
            if pairs.count <= Self.linearScanLimit {
                return pairs.first { $0.key.keyText == key && key != "<<" }?.key.range
            }
            if seen.isEmpty {
                for pair in pairs.reversed() {
                    if let text = pair.key.keyText, text != "<<" { seen[text] = pair.key.range }
                }
            }
            return seen[key]
        }

        init(isMapping: Bool, isFlow: Bool, start: SourceLocation, anchor: String?, tag: String?) {
            // One allocation instead of four growth steps for a typical task mapping.
            if isMapping { pairs.reserveCapacity(8) } else { items.reserveCapacity(4) }
            self.isMapping = isMapping
            self.isFlow = isFlow
            self.start = start
            self.anchor = anchor
            self.tag = tag
        }
    }

    /// An anchored node with its size, so an alias can be charged for what it expands to.
    struct Anchored {
        var node: YAMLNode
        var height: Int
        var weight: Int
    }

    var sink: DiagnosticSink
    let limits: YAMLLimits
    var stack: [Frame] = []
    var anchors: [String: Anchored] = [:]
    var root: YAMLNode?
    var documents = 0
    var expandedNodes = 0
    var aborted = false

    init(file: String, limits: YAMLLimits) {
        self.sink = DiagnosticSink(file: file)
        self.limits = limits
    }

    mutating func run(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1, let base = buffer.baseAddress else {
            sink.emit(.yamlSyntax, at: SourceRange(at: SourceLocation(line: 1, column: 1)), "could not start the YAML parser")
            return
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, base, buffer.count)
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

    mutating func handle(_ event: yaml_event_t) {
        let range = SourceRange(start: location(event.start_mark), end: location(event.end_mark))
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents == 2 {
                sink.emit(.yamlSyntax, at: range, "a spec file holds one YAML document; this second document is ignored")
            }
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let text = string(s.value, s.length)
            let node = YAMLNode(.scalar(YAMLScalar(text: text, style: style(s.style))), range: range, tag: optionalString(s.tag))
            complete(node, anchor: optionalString(s.anchor), height: 0, weight: 1)
        case YAML_ALIAS_EVENT:
            alias(optionalString(event.data.alias.anchor) ?? "", range: range)
        case YAML_SEQUENCE_START_EVENT:
            let s = event.data.sequence_start
            open(Frame(isMapping: false, isFlow: s.style == YAML_FLOW_SEQUENCE_STYLE, start: range.start,
                       anchor: optionalString(s.anchor), tag: optionalString(s.tag)), range: range)
        case YAML_MAPPING_START_EVENT:
            let m = event.data.mapping_start
            open(Frame(isMapping: true, isFlow: m.style == YAML_FLOW_MAPPING_STYLE, start: range.start,
                       anchor: optionalString(m.anchor), tag: optionalString(m.tag)), range: range)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            close(end: range.end)
        default:
            break
        }
    }

    mutating func open(_ frame: Frame, range: SourceRange) {
        guard stack.count < limits.maxDepth else {
            sink.emit(.yamlSyntax, at: range, "nesting is deeper than \(limits.maxDepth) levels",
                      notes: ["a pipeline spec needs only a few levels; the rest of the file is not read"])
            aborted = true
            return
        }
        stack.append(frame)
    }

    /// A block collection's end mark is the start of the next token, often
    /// lines later, so it ends at its last child instead.
    mutating func close(end: SourceLocation) {
        guard let frame = stack.popLast() else { return }
        let node: YAMLNode
        if frame.isMapping {
            let last = frame.isFlow ? end : (frame.pairs.last?.value.range.end ?? end)
            node = YAMLNode(.mapping(MergeKeys.apply(frame.pairs)), range: SourceRange(start: frame.start, end: last), tag: frame.tag)
        } else {
            let last = frame.isFlow ? end : (frame.items.last?.range.end ?? end)
            node = YAMLNode(.sequence(frame.items), range: SourceRange(start: frame.start, end: last), tag: frame.tag)
        }
        complete(node, anchor: frame.anchor, height: frame.height + 1, weight: frame.weight)
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
        var node = target.node
        node.range = range
        complete(node, anchor: nil, height: target.height, weight: target.weight)
    }

    /// Attaches a finished node to its parent (or makes it the root).
    mutating func complete(_ node: YAMLNode, anchor: String?, height: Int, weight: Int) {
        if let anchor { anchors[anchor] = Anchored(node: node, height: height, weight: weight) }
        guard let top = stack.last else {
            if documents <= 1 { root = node }
            return
        }
        top.height = max(top.height, height)
        top.weight += weight
        guard top.isMapping else {
            top.items.append(node)
            return
        }
        guard let key = top.pendingKey else {
            top.pendingKey = node
            return
        }
        top.pendingKey = nil
        if let keyText = key.keyText, let first = top.firstOccurrence(of: keyText) {
            sink.emit(.duplicateKey, at: key.range, "key \"\(keyText)\" is given twice in this mapping",
                      notes: ["first given at line \(first.start.line), column \(first.start.column); this one is ignored"],
                      help: "remove one of the two")
            return
        }
        top.pairs.append(YAMLPair(key: key, value: node))
        // Once built (by firstOccurrence, from every pair), the index is kept current.
        if !top.seen.isEmpty, let keyText = key.keyText, keyText != "<<" { top.seen[keyText] = key.range }
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

    func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(line: mark.line + 1, column: mark.column + 1, offset: mark.index)
    }

    func style(_ style: yaml_scalar_style_t) -> ScalarStyle {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }

    func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, _ length: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    func optionalString(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    func optionalCString(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }
}
