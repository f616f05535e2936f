/// Where checks put what they find. Checks emit, drivers print: nothing that
/// produces diagnostics writes to stdout.
public struct DiagnosticSink: Sendable {
    public private(set) var diagnostics: [Diagnostic] = []
    /// The file every `emit(...)` without an explicit file reports against.
    public var file: String

    public init(file: String) {
        self.file = file
    }

    public mutating func emit(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
    }

    public mutating func emit(
        _ rule: Rule, at range: SourceRange, _ message: String,
        notes: [String] = [], help: String? = nil, severity: Severity? = nil
    ) {
        diagnostics.append(Diagnostic(
            file: file, range: range, severity: severity, rule: rule,
            message: message, notes: notes, help: help))
    }

    public mutating func append(contentsOf other: [Diagnostic]) {
        diagnostics.append(contentsOf: other)
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Sorted and de-duplicated: the order every renderer prints.
    public static func normalize(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        var seen = Set<Diagnostic>()
        return diagnostics.sorted().filter { seen.insert($0).inserted }
    }
}
