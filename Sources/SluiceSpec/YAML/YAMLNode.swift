import SluiceDiagnostics

/// How a scalar was written. Quoted scalars are always strings; plain ones
/// are resolved (null, bool, int, float, string) by `YAMLScalar.resolved`.
public enum ScalarStyle: Sendable, Equatable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

/// A scalar's text and how it was written.
public struct YAMLScalar: Sendable, Equatable {
    public var text: String
    public var style: ScalarStyle

    public init(text: String, style: ScalarStyle) {
        self.text = text
        self.style = style
    }
}

/// One key/value pair of a mapping, in source order.
public struct YAMLPair: Sendable {
    public var key: YAMLNode
    public var value: YAMLNode
}

/// A node of the positioned YAML tree: every node keeps its source range
/// (start and end), which libyaml's events give and whole-document loaders drop.
public struct YAMLNode: Sendable {
    public enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public var content: Content
    public var range: SourceRange
    /// An explicit tag (`!!str`), if any.
    public var tag: String?

    public init(_ content: Content, range: SourceRange, tag: String? = nil) {
        self.content = content
        self.range = range
        self.tag = tag
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The key text when this node is a scalar key.
    public var keyText: String? { scalar?.text }

    /// The value for `key` in a mapping node (first occurrence).
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.keyText == key }?.value
    }

    /// What kind of node this is, in words for messages ("a list", "a mapping", "a string").
    public var kindDescription: String {
        switch content {
        case .sequence: "a list"
        case .mapping: "a mapping"
        case .scalar(let s):
            switch s.resolved {
            case .null: "null"
            case .bool: "a boolean"
            case .int: "an integer"
            case .float: "a number"
            case .string: "a string"
            }
        }
    }
}
