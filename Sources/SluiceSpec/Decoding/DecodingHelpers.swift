import SluiceDiagnostics

/// Kind checks shared by the spec decoder. Each reports `invalid-value` at
/// the offending node and returns nil, so decoding goes on past a bad value.
struct ValueReader {
    var sink: DiagnosticSink

    mutating func mapping(_ node: YAMLNode, _ what: @autoclosure () -> String) -> [YAMLPair]? {
        if let pairs = node.mapping { return pairs }
        if isNull(node) { return [] }
        sink.emit(.invalidValue, at: node.range, "\(what()) must be a mapping, not \(node.kindDescription)")
        return nil
    }

    /// Any scalar's text (numbers included): for free text such as descriptions.
    mutating func text(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Spanned<String>? {
        guard let scalar = node.scalar else {
            sink.emit(.invalidValue, at: node.range, "\(what()) must be text, not \(node.kindDescription)")
            return nil
        }
        return Spanned(scalar.text, node.range)
    }

    /// A string proper: quoted, or plain and not a number/bool/null.
    mutating func string(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Spanned<String>? {
        guard let scalar = node.scalar, case .string(let value) = scalar.resolved, !value.isEmpty else {
            sink.emit(.invalidValue, at: node.range, "\(what()) must be a non-empty string, not \(node.kindDescription)")
            return nil
        }
        return Spanned(value, node.range)
    }

    mutating func int(_ node: YAMLNode, _ what: @autoclosure () -> String, minimum: Int) -> Spanned<Int>? {
        guard let scalar = node.scalar, case .int(let value) = scalar.resolved else {
            sink.emit(.invalidValue, at: node.range, "\(what()) must be an integer, not \(node.kindDescription)")
            return nil
        }
        guard value >= minimum else {
            sink.emit(.invalidValue, at: node.range, "\(what()) must be at least \(minimum), not \(value)")
            return nil
        }
        return Spanned(value, node.range)
    }

    mutating func bool(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Spanned<Bool>? {
        guard let scalar = node.scalar, case .bool(let value) = scalar.resolved else {
            sink.emit(.invalidValue, at: node.range, "\(what()) must be true or false, not \(node.kindDescription)")
            return nil
        }
        return Spanned(value, node.range)
    }

    /// A list of strings; a single string is taken as a one-item list
    /// (`needs: build`), as GitHub Actions does.
    mutating func stringList(_ node: YAMLNode, _ what: @autoclosure () -> String) -> [Spanned<String>]? {
        if isNull(node) { return [] }
        if node.scalar != nil { return string(node, what()).map { [$0] } }
        guard let items = node.sequence else {
            sink.emit(.invalidValue, at: node.range, "\(what()) must be a list of names, not \(node.kindDescription)")
            return nil
        }
        return items.compactMap { string($0, "each entry of \(what())") }
    }

    /// A scalar kept as a node (durations, schedules): later checks need its style.
    mutating func scalarNode(_ node: YAMLNode, _ what: @autoclosure () -> String) -> YAMLNode? {
        guard node.scalar != nil else {
            sink.emit(.invalidValue, at: node.range, "\(what()) must be a single value, not \(node.kindDescription)")
            return nil
        }
        return node
    }

    /// An identifier matching `pattern`, e.g. a task or output name.
    mutating func identifier(_ value: Spanned<String>, _ what: @autoclosure () -> String, _ rule: IdentifierRule) -> Bool {
        guard !rule.accepts(value.value) else { return true }
        sink.emit(.invalidValue, at: value.range, "\(what()) \"\(value.value)\" is not a valid name", notes: [rule.explanation])
        return false
    }

    func isNull(_ node: YAMLNode) -> Bool {
        node.scalar?.resolved == .null
    }

    /// Reports every key not in `allowed`, with a did-you-mean; returns the
    /// pairs whose keys are known.
    mutating func knownPairs(_ pairs: [YAMLPair], allowed: KeySet, in context: @autoclosure () -> String) -> [(String, YAMLNode)] {
        var known: [(String, YAMLNode)] = []
        known.reserveCapacity(pairs.count)
        for pair in pairs {
            guard let key = pair.key.scalar?.text else {
                sink.emit(.invalidValue, at: pair.key.range, "keys in \(context()) must be plain names, not \(pair.key.kindDescription)")
                continue
            }
            if allowed.set.contains(key) {
                known.append((key, pair.value))
                continue
            }
            let suggestion = Spelling.suggestion(for: key, among: allowed.names)
            sink.emit(.unknownKey, at: pair.key.range, "unknown key \"\(key)\" in \(context())",
                      notes: suggestion == nil ? ["known keys: \(allowed.names.joined(separator: ", "))"] : [],
                      help: suggestion.map { "did you mean \"\($0)\"?" })
        }
        return known
    }
}

/// The keys a mapping accepts: in order for messages, hashed for lookups.
public struct KeySet: Sendable {
    public let names: [String]
    let set: Set<String>

    public init(_ names: [String]) {
        self.names = names
        self.set = Set(names)
    }
}

/// The shapes of names in a spec.
public struct IdentifierRule: Sendable {
    enum Shape: Sendable { case pipeline, task, variable }
    let shape: Shape
    public let explanation: String
    var maxLength = 250

    public func accepts(_ name: String) -> Bool {
        let bytes = name.utf8
        guard let head = bytes.first, bytes.count <= maxLength else { return false }
        let headOK: Bool
        switch shape {
        case .pipeline: headOK = Self.isLower(head)
        case .task, .variable: headOK = Self.isLetter(head) || head == UInt8(ascii: "_")
        }
        guard headOK else { return false }
        for byte in bytes.dropFirst() {
            let ok: Bool
            switch shape {
            case .pipeline: ok = Self.isLower(byte) || Self.isDigit(byte) || byte == UInt8(ascii: "_")
            case .task: ok = Self.isLetter(byte) || Self.isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            case .variable: ok = Self.isLetter(byte) || Self.isDigit(byte) || byte == UInt8(ascii: "_")
            }
            if !ok { return false }
        }
        return true
    }

    static func isLower(_ c: UInt8) -> Bool { c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") }
    static func isLetter(_ c: UInt8) -> Bool { isLower(c) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) }
    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// Pipeline ids: `[a-z][a-z0-9_]*` (they become Airflow dag ids and directory names).
    public static let pipeline = IdentifierRule(
        shape: .pipeline,
        explanation: "a pipeline id starts with a lowercase letter and holds only lowercase letters, digits and _")
    /// Task names: `[A-Za-z_][A-Za-z0-9_-]*` (Airflow task ids; usable in `{{ task.output }}`).
    public static let task = IdentifierRule(
        shape: .task,
        explanation: "a task name starts with a letter or _ and holds only letters, digits, _ and -")
    /// Output, input, env and secret names: `[A-Za-z_][A-Za-z0-9_]*` (they become environment variable names).
    public static let variable = IdentifierRule(
        shape: .variable,
        explanation: "a name starts with a letter or _ and holds only letters, digits and _")
}
