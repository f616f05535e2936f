import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// One param value and where it was written: inline in the spec or in its
/// `params_file`, so a diagnostic points into whichever file holds it.
public struct ParamEntry: Sendable {
    public indirect enum Value: Sendable {
        case scalar(ResolvedScalar)
        case list([ParamEntry])
        case map([(key: String, entry: ParamEntry)])
    }

    public var value: Value
    public var file: String
    public var range: SourceRange

    public var isList: Bool { if case .list = value { true } else { false } }

    public var kindDescription: String {
        switch value {
        case .list: "a list"
        case .map: "a section"
        case .scalar(.null): "null"
        case .scalar(.bool): "a boolean"
        case .scalar(.int): "an integer"
        case .scalar(.float): "a number"
        case .scalar(.string): "a string"
        }
    }

    /// The value as plan JSON. NaN and infinities (which JSON cannot hold)
    /// are refused when the params are built, so they never reach here.
    public var json: JSON {
        switch value {
        case .scalar(.null): .null
        case .scalar(.bool(let b)): .bool(b)
        case .scalar(.int(let i)): .int(Int64(i))
        case .scalar(.float(let d)): .double(d)
        case .scalar(.string(let s)): .string(s)
        case .list(let items): .array(items.map(\.json))
        case .map(let members): .object(members.map { ($0.key, $0.entry.json) })
        }
    }
}

/// What a `params.a.b` path finds.
public enum ParamLookup: Sendable {
    case found(ParamEntry)
    /// `path[depth]` is not a key of the section at `depth` (which has `candidates`).
    case missing(depth: Int, candidates: [String])
    /// `path[depth]` looks inside a value that is not a section or list.
    case notSection(depth: Int, entry: ParamEntry)
}

/// The params of one pipeline after `params_file` and inline `params` are merged.
public struct ParamSet: Sendable {
    public var root: [(key: String, entry: ParamEntry)]

    public init(root: [(key: String, entry: ParamEntry)] = []) {
        self.root = root
    }

    public var json: JSON { .object(root.map { ($0.key, $0.entry.json) }) }

    public func lookup(_ path: [String]) -> ParamLookup {
        var members = root
        var current: ParamEntry?
        for (depth, key) in path.enumerated() {
            if let entry = current {
                switch entry.value {
                case .map(let inner): members = inner
                case .list(let items):
                    guard let index = Int(key), index >= 0, index < items.count else {
                        return .missing(depth: depth, candidates: items.indices.map(String.init))
                    }
                    current = items[index]
                    continue
                case .scalar: return .notSection(depth: depth, entry: entry)
                }
            }
            // The index, then the entry alone: `first(where:)` copied each (key, entry) pair it returned.
            guard let index = members.firstIndex(where: { $0.key == key }) else {
                return .missing(depth: depth, candidates: members.map(\.key))
            }
            current = members[index].entry
        }
        guard let current else { return .missing(depth: 0, candidates: root.map(\.key)) }
        return .found(current)
    }

    /// Deep merge: sections merge key by key, anything else in `override` replaces.
    public static func merge(_ base: [(key: String, entry: ParamEntry)], _ override: [(key: String, entry: ParamEntry)]) -> [(key: String, entry: ParamEntry)] {
        var result = base
        for (key, entry) in override {
            guard let index = result.firstIndex(where: { $0.key == key }) else {
                result.append((key, entry))
                continue
            }
            if case .map(let lower) = result[index].entry.value, case .map(let upper) = entry.value {
                var merged = entry
                merged.value = .map(merge(lower, upper))
                result[index].entry = merged
            } else {
                result[index].entry = entry
            }
        }
        return result
    }

    /// Converts a params mapping node, reporting keys and values a plan cannot hold.
    static func members(of node: YAMLNode, file: String, into diagnostics: inout [Diagnostic]) -> [(key: String, entry: ParamEntry)] {
        guard let pairs = node.mapping else { return [] }
        var members: [(key: String, entry: ParamEntry)] = []
        for pair in pairs {
            guard let key = pair.key.scalar?.text else {
                diagnostics.append(Diagnostic(file: file, range: pair.key.range, severity: .error, rule: .invalidValue,
                                              message: "a param name must be a plain name, not \(pair.key.kindDescription)"))
                continue
            }
            guard let entry = entry(pair.value, file: file, depth: 0, &diagnostics) else { continue }
            members.append((key, entry))
        }
        return members
    }

    /// `[-+]digits`: YAML's core schema reads it as an integer, so one too
    /// large for 64 bits must not quietly become an inexact float.
    private static func isIntegerShaped(_ text: String) -> Bool {
        let digits = text.utf8.drop { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") }
        return !digits.isEmpty && text.utf8.count - digits.count <= 1
            && digits.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    private static func entry(_ node: YAMLNode, file: String, depth: Int, _ diagnostics: inout [Diagnostic]) -> ParamEntry? {
        switch node.content {
        case .scalar(let scalar):
            let resolved = scalar.resolved
            if case .float(let d) = resolved, !d.isFinite {
                diagnostics.append(Diagnostic(file: file, range: node.range, severity: .error, rule: .invalidValue,
                                              message: "param value \(scalar.text) cannot be passed to a task: JSON has no NaN or infinity",
                                              help: "quote it to pass it as text"))
                return nil
            }
            if case .float = resolved, isIntegerShaped(scalar.text) {
                diagnostics.append(Diagnostic(file: file, range: node.range, severity: .error, rule: .invalidValue,
                                              message: "param value \(scalar.text) is out of range for a 64-bit integer",
                                              help: "quote it to pass it as text, or write it with a decimal point to make it a float"))
                return nil
            }
            return ParamEntry(value: .scalar(resolved), file: file, range: node.range)
        case .sequence(let items):
            return ParamEntry(value: .list(items.compactMap { entry($0, file: file, depth: depth + 1, &diagnostics) }), file: file, range: node.range)
        case .mapping:
            return ParamEntry(value: .map(members(of: node, file: file, into: &diagnostics)), file: file, range: node.range)
        }
    }
}
