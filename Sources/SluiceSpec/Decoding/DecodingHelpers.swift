import SluiceDiagnostics

/// Kind checks shared by the spec decoder. Each reports `invalid-value` at
/// the offending node and returns nil, so decoding goes on past a bad value.
struct ValueReader {
    var sink: DiagnosticSink

    mutating func mapping(_ node: YAMLNode, _ what: String) -> [YAMLPair]? {
        if let pairs = node.mapping { return pairs }
        if isNull(node) { return [] }
        sink.emit(.invalidValue, at: node.range, "\(what) must be a mapping, not \(node.kindDescription)")
        return nil
    }

    /// Any scalar's text (numbers included): for free text such as descriptions.
    mutating func text(_ node: YAMLNode, _ what: String) -> Spanned<String>? {
        guard let scalar = node.scalar else {
            sink.emit(.invalidValue, at: node.range, "\(what) must be text, not \(node.kindDescription)")
            return nil
        }
        return Spanned(scalar.text, node.range)
    }

    /// A string proper: quoted, or plain and not a number/bool/null.
    mutating func string(_ node: YAMLNode, _ what: String) -> Spanned<String>? {
        guard let scalar = node.scalar, case .string(let value) = scalar.resolved, !value.isEmpty else {
            sink.emit(.invalidValue, at: node.range, "\(what) must be a non-empty string, not \(node.kindDescription)")
            return nil
        }
        return Spanned(value, node.range)
    }

    mutating func int(_ node: YAMLNode, _ what: String, minimum: Int) -> Spanned<Int>? {
        guard let scalar = node.scalar, case .int(let value) = scalar.resolved else {
            sink.emit(.invalidValue, at: node.range, "\(what) must be an integer, not \(node.kindDescription)")
            return nil
        }
        guard value >= minimum else {
            sink.emit(.invalidValue, at: node.range, "\(what) must be at least \(minimum), not \(value)")
            return nil
        }
        return Spanned(value, node.range)
    }

    mutating func bool(_ node: YAMLNode, _ what: String) -> Spanned<Bool>? {
        guard let scalar = node.scalar, case .bool(let value) = scalar.resolved else {
            sink.emit(.invalidValue, at: node.range, "\(what) must be true or false, not \(node.kindDescription)")
            return nil
        }
        return Spanned(value, node.range)
    }

    /// A list of strings; a single string is taken as a one-item list
    /// (`needs: build`), as GitHub Actions does.
    mutating func stringList(_ node: YAMLNode, _ what: String) -> [Spanned<String>]? {
        if isNull(node) { return [] }
        if node.scalar != nil { return string(node, what).map { [$0] } }
        guard let items = node.sequence else {
            sink.emit(.invalidValue, at: node.range, "\(what) must be a list of names, not \(node.kindDescription)")
            return nil
        }
        return items.compactMap { string($0, "each entry of \(what)") }
    }

    /// A scalar kept as a node (durations, schedules): later checks need its style.
    mutating func scalarNode(_ node: YAMLNode, _ what: String) -> YAMLNode? {
        guard node.scalar != nil else {
            sink.emit(.invalidValue, at: node.range, "\(what) must be a single value, not \(node.kindDescription)")
            return nil
        }
        return node
    }

    /// An identifier matching `pattern`, e.g. a task or output name.
    mutating func identifier(_ value: Spanned<String>, _ what: String, _ rule: IdentifierRule) -> Bool {
        guard !rule.accepts(value.value) else { return true }
        sink.emit(.invalidValue, at: value.range, "\(what) \"\(value.value)\" is not a valid name", notes: [rule.explanation])
        return false
    }

    func isNull(_ node: YAMLNode) -> Bool {
        node.scalar?.resolved == .null
    }

    /// Reports every key not in `allowed`, with a did-you-mean; returns the
    /// pairs whose keys are known.
    mutating func knownPairs(_ pairs: [YAMLPair], allowed: [String], in context: String) -> [(String, YAMLNode)] {
        var known: [(String, YAMLNode)] = []
        for pair in pairs {
            guard let key = pair.key.scalar?.text, pair.key.scalar != nil else {
                sink.emit(.invalidValue, at: pair.key.range, "keys in \(context) must be plain names, not \(pair.key.kindDescription)")
                continue
            }
            if allowed.contains(key) {
                known.append((key, pair.value))
                continue
            }
            let suggestion = Spelling.suggestion(for: key, among: allowed)
            sink.emit(.unknownKey, at: pair.key.range, "unknown key \"\(key)\" in \(context)",
                      notes: suggestion == nil ? ["known keys: \(allowed.joined(separator: ", "))"] : [],
                      help: suggestion.map { "did you mean \"\($0)\"?" })
        }
        return known
    }
}

/// The shapes of names in a spec.
public struct IdentifierRule: Sendable {
    let explanation: String
    let first: @Sendable (Unicode.Scalar) -> Bool
    let rest: @Sendable (Unicode.Scalar) -> Bool
    var maxLength = 250

    public func accepts(_ name: String) -> Bool {
        let scalars = name.unicodeScalars
        guard let head = scalars.first, scalars.count <= maxLength, first(head) else { return false }
        return scalars.dropFirst().allSatisfy(rest)
    }

    static func isLower(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) }
    static func isLetter(_ c: Unicode.Scalar) -> Bool { isLower(c) || ("A"..."Z").contains(c) }
    static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }

    /// Pipeline ids: `[a-z][a-z0-9_]*` (they become Airflow dag ids and directory names).
    public static let pipeline = IdentifierRule(
        explanation: "a pipeline id starts with a lowercase letter and holds only lowercase letters, digits and _",
        first: isLower, rest: { isLower($0) || isDigit($0) || $0 == "_" })
    /// Task names: `[A-Za-z_][A-Za-z0-9_-]*` (Airflow task ids; usable in `{{ task.output }}`).
    public static let task = IdentifierRule(
        explanation: "a task name starts with a letter or _ and holds only letters, digits, _ and -",
        first: { isLetter($0) || $0 == "_" }, rest: { isLetter($0) || isDigit($0) || $0 == "_" || $0 == "-" })
    /// Output, input, env and secret names: `[A-Za-z_][A-Za-z0-9_]*` (they become environment variable names).
    public static let variable = IdentifierRule(
        explanation: "a name starts with a letter or _ and holds only letters, digits and _",
        first: { isLetter($0) || $0 == "_" }, rest: { isLetter($0) || isDigit($0) || $0 == "_" })
}
