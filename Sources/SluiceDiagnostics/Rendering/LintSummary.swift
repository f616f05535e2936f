/// How many problems of each severity a lint run found, over how many files.
/// `files` is the number of files linted, not the number with problems.
public struct LintSummary: Hashable, Sendable {
    public var files: Int
    public var errors: Int
    public var warnings: Int
    public var notes: Int

    public init(files: Int, errors: Int = 0, warnings: Int = 0, notes: Int = 0) {
        self.files = files
        self.errors = errors
        self.warnings = warnings
        self.notes = notes
    }

    /// Counts `diagnostics` as given (normalise first to drop duplicates).
    public init(diagnostics: [Diagnostic], files: Int) {
        self.init(files: files)
        for diagnostic in diagnostics {
            switch diagnostic.severity {
            case .error: errors += 1
            case .warning: warnings += 1
            case .note: notes += 1
            }
        }
    }

    /// `2 errors, 1 warning in 3 files`, or `no problems in 5 files`.
    public var line: String {
        let counts = [(errors, "error"), (warnings, "warning"), (notes, "note")]
            .filter { $0.0 > 0 }
            .map { Self.plural($0.0, $0.1) }
        let found = counts.isEmpty ? "no problems" : counts.joined(separator: ", ")
        return "\(found) in \(Self.plural(files, "file"))"
    }

    private static func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }
}

