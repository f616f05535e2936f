import SluiceBasics
import SluiceDiagnostics

/// Kind checks shared by the spec decoder, over nodes of the tape. Each
/// reports `invalid-value` at the offending node and returns nil, so decoding
/// goes on past a bad value. Values the spec keeps as nodes are built here.
struct ValueReader {
    var tape: TapeView
    var sink: DiagnosticSink
    var strings = StringInterner()

    init(tape: TapeView, sink: DiagnosticSink) {
        self.tape = tape
        self.sink = sink
    }

    /// A scalar's text, built once per distinct text.
    mutating func string(of node: NodeRef) -> String {
        strings.string(tape.text(node))
    }

    func range(_ node: NodeRef) -> SourceRange { tape.range(node) }

    /// The whole subtree as a positioned tree, for values the spec keeps as they are.
    func tree(_ node: NodeRef) -> YAMLNode {
        tape.tree(node)
    }

    mutating func mapping(_ node: NodeRef, _ what: @autoclosure () -> String) -> PairSequence? {
        if tape.kind(node) == .mapping || isNull(node) { return tape.pairs(node) }
        sink.emit(.invalidValue, at: range(node), "\(what()) must be a mapping, not \(kindDescription(node))")
        return nil
    }

    /// Any scalar's text (numbers included): for free text such as descriptions.
    mutating func text(_ node: NodeRef, _ what: @autoclosure () -> String) -> Spanned<String>? {
        guard tape.kind(node) == .scalar else {
            sink.emit(.invalidValue, at: range(node), "\(what()) must be text, not \(kindDescription(node))")
            return nil
        }
        return Spanned(string(of: node), range(node))
    }

    /// A string proper: quoted, or plain and not a number/bool/null.
    mutating func string(_ node: NodeRef, _ what: @autoclosure () -> String) -> Spanned<String>? {
        guard tape.meaning(node) == .string, !tape.text(node).isEmpty else {
            sink.emit(.invalidValue, at: range(node), "\(what()) must be a non-empty string, not \(kindDescription(node))")
            return nil
        }
        return Spanned(string(of: node), range(node))
    }

    mutating func int(_ node: NodeRef, _ what: @autoclosure () -> String, minimum: Int) -> Spanned<Int>? {
        guard case .int(let value)? = tape.meaning(node) else {
            sink.emit(.invalidValue, at: range(node), "\(what()) must be an integer, not \(kindDescription(node))")
            return nil
        }
        guard value >= minimum else {
            sink.emit(.invalidValue, at: range(node), "\(what()) must be at least \(minimum), not \(value)")
            return nil
        }
        return Spanned(value, range(node))
    }

    mutating func bool(_ node: NodeRef, _ what: @autoclosure () -> String) -> Spanned<Bool>? {
        guard case .bool(let value)? = tape.meaning(node) else {
            sink.emit(.invalidValue, at: range(node), "\(what()) must be true or false, not \(kindDescription(node))")
            return nil
        }
        return Spanned(value, range(node))
    }

    /// A list of strings; a single string is taken as a one-item list
    /// (`needs: build`), as GitHub Actions does.
    mutating func stringList(_ node: NodeRef, _ what: @autoclosure () -> String) -> [Spanned<String>]? {
        if isNull(node) { return [] }
        switch tape.kind(node) {
        case .scalar:
            return string(node, what()).map { [$0] }
        case .sequence:
            let items = tape.items(node)
            var names: [Spanned<String>] = []
            names.reserveCapacity(items.count)
            for item in items {
                if let name = string(item, "each entry of \(what())") { names.append(name) }
            }
            return names
        default:
            sink.emit(.invalidValue, at: range(node), "\(what()) must be a list of names, not \(kindDescription(node))")
            return nil
        }
    }

    /// A scalar kept as a node (durations, schedules): later checks need its style.
    mutating func scalarNode(_ node: NodeRef, _ what: @autoclosure () -> String) -> YAMLNode? {
        guard tape.kind(node) == .scalar else {
            sink.emit(.invalidValue, at: range(node), "\(what()) must be a single value, not \(kindDescription(node))")
            return nil
        }
        let scalar = YAMLScalar(text: string(of: node), style: tape.style(node))
        return YAMLNode(.scalar(scalar), range: range(node), tag: tape.tag(node))
    }

    /// An identifier matching `pattern`, e.g. a task or output name.
    mutating func identifier(_ value: Spanned<String>, _ what: @autoclosure () -> String, _ rule: IdentifierRule) -> Bool {
        guard !rule.accepts(value.value) else { return true }
        sink.emit(.invalidValue, at: value.range, "\(what()) \"\(value.value)\" is not a valid name", notes: [rule.explanation])
        return false
    }

    func isNull(_ node: NodeRef) -> Bool {
        tape.isNull(node)
    }

    /// What kind of node this is, in words for messages, as `YAMLNode.kindDescription` says it.
    func kindDescription(_ node: NodeRef) -> String {
        switch tape.meaning(node) {
        case nil: tape.kind(node) == .sequence ? "a list" : "a mapping"
        case .null?: "null"
        case .bool?: "a boolean"
        case .int?: "an integer"
        case .float?: "a number"
        case .string?: "a string"
        }
    }

    /// Reports every key not among `Key`'s, with a did-you-mean. Decoding
    /// then walks the pairs again for the keys it knows (see `key(_:as:)`).
    mutating func reportUnknownKeys<Key: SpecKey>(_ pairs: PairSequence, _: Key.Type, in context: @autoclosure () -> String) {
        for pair in pairs {
            guard tape.kind(pair.key) == .scalar else {
                sink.emit(.invalidValue, at: range(pair.key), "keys in \(context()) must be plain names, not \(kindDescription(pair.key))")
                continue
            }
            guard Key.matching(tape.text(pair.key)) == nil else { continue }
            reportUnknownKey(pair.key, Key.self, in: context())
        }
    }

    /// Reports unknown keys as `reportUnknownKeys` does, and collects the known
    /// pairs into `known` (sized for every pair), in order; returns how many.
    /// Decoding then walks `known`, not the tape, matching each key once.
    mutating func collectKnownPairs<Key: SpecKey>(_ pairs: PairSequence, into known: UnsafeMutableBufferPointer<KnownPair<Key>>,
                                                  in context: @autoclosure () -> String) -> Int {
        var count = 0
        for pair in pairs {
            guard tape.kind(pair.key) == .scalar else {
                sink.emit(.invalidValue, at: range(pair.key), "keys in \(context()) must be plain names, not \(kindDescription(pair.key))")
                continue
            }
            guard let key = Key.matching(tape.text(pair.key)) else {
                reportUnknownKey(pair.key, Key.self, in: context())
                continue
            }
            guard count < known.count else { break }
            known[count] = KnownPair(key: key, value: pair.value)
            count += 1
        }
        return count
    }

    mutating func reportUnknownKey<Key: SpecKey>(_ node: NodeRef, _: Key.Type, in context: @autoclosure () -> String) {
        let key = string(of: node)
        let names = Key.keySet.names
        let suggestion = Spelling.suggestion(for: key, among: names)
        sink.emit(.unknownKey, at: range(node), "unknown key \"\(key)\" in \(context())",
                  notes: suggestion == nil ? ["known keys: \(names.joined(separator: ", "))"] : [],
                  help: suggestion.map { "did you mean \"\($0)\"?" })
    }

    /// The known key a pair's key node spells; nil for anything else (reported by `reportUnknownKeys`).
    func key<Key: SpecKey>(_ node: NodeRef, as _: Key.Type) -> Key? {
        tape.kind(node) == .scalar ? Key.matching(tape.text(node)) : nil
    }

    /// The value of the pair whose key is `key`, if any (keys are unique: duplicates are dropped).
    func value<Key: SpecKey>(of key: Key, in pairs: PairSequence) -> NodeRef? {
        pairs.first { self.key($0.key, as: Key.self) == key }?.value
    }

    /// True when some pair's key is `name`.
    func contains(_ pairs: PairSequence, key name: String) -> Bool {
        pairs.contains { tape.kind($0.key) == .scalar && KeySet.equal(tape.text($0.key), name) }
    }
}
