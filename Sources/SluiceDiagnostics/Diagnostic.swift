/// One problem found in one file: a stable rule id, a severity, the smallest
/// range that shows it, a lowercase message without trailing period, optional
/// notes, and an optional `help` line carrying the fix (did-you-mean, the
/// `needs` entry to add ...).
public struct Diagnostic: Hashable, Sendable, Codable {
    /// The file as the user named it (relative paths stay relative).
    public var file: String
    public var range: SourceRange
    public var severity: Severity
    public var rule: Rule
    public var message: String
    public var notes: [String]
    public var help: String?

    public init(
        file: String, range: SourceRange, severity: Severity? = nil, rule: Rule,
        message: String, notes: [String] = [], help: String? = nil
    ) {
        self.file = file
        self.range = range
        self.severity = severity ?? rule.defaultSeverity
        self.rule = rule
        self.message = message
        self.notes = notes
        self.help = help
    }
}

extension Diagnostic: Comparable {
    /// Deterministic order: file, position, rule id, message.
    public static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        if lhs.file != rhs.file { return lhs.file < rhs.file }
        if lhs.range != rhs.range { return lhs.range < rhs.range }
        if lhs.rule != rhs.rule { return lhs.rule.rawValue < rhs.rule.rawValue }
        return lhs.message < rhs.message
    }
}
