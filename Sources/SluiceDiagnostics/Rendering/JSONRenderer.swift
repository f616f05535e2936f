/// Renders `lint --format json`, the stable shape DESIGN.md fixes:
///
/// ```
/// {"version": 1,
///  "diagnostics": [{"file", "line", "column", "end_line", "end_column",
///                   "severity", "rule", "message", "notes"}],
///  "summary": {"files", "errors", "warnings"}}
/// ```
///
/// Columns count Unicode scalars and `end_*` is exclusive, as in the model.
/// A diagnostic's `help` is the last note, prefixed `help: `. Output is
/// deterministic: diagnostics normalised, keys sorted, pretty-printed.
public struct JSONRenderer: Sendable {
    /// The `version` field; bumped only when the shape changes incompatibly.
    public static let formatVersion = 1

    public init() {}

    /// The whole report; `files` is the number of files linted.
    public func render(_ diagnostics: [Diagnostic], files: Int) -> String {
        report(diagnostics, files: files).rendered()
    }

    /// The report as a value, for callers that embed it in a larger document.
    public func report(_ diagnostics: [Diagnostic], files: Int) -> JSONValue {
        let normalized = DiagnosticSink.normalize(diagnostics)
        let summary = LintSummary(diagnostics: normalized, files: files)
        return .object([
            "version": .int(Self.formatVersion),
            "diagnostics": .array(normalized.map(entry)),
            "summary": .object([
                "files": .int(summary.files), "errors": .int(summary.errors), "warnings": .int(summary.warnings),
            ]),
        ])
    }

    private func entry(_ diagnostic: Diagnostic) -> JSONValue {
        let range = diagnostic.range
        return .object([
            "file": .string(diagnostic.file),
            "line": .int(range.start.line),
            "column": .int(range.start.column),
            "end_line": .int(range.end.line),
            "end_column": .int(range.end.column),
            "severity": .string(diagnostic.severity.rawValue),
            "rule": .string(diagnostic.rule.id),
            "message": .string(diagnostic.message),
            "notes": .array(diagnostic.notesWithHelp.map(JSONValue.string)),
        ])
    }
}

extension Diagnostic {
    /// The notes, then `help: …` when there is a help line: how JSON, which
    /// has a `notes` list but no help slot, carries it.
    var notesWithHelp: [String] {
        notes + (help.map { ["help: " + $0] } ?? [])
    }

    /// `note: …` lines then a `help: …` line, appended to the message by
    /// formats that have one text field (SARIF, GitHub annotations).
    var trailerLines: [String] {
        notes.map { "note: " + $0 } + (help.map { ["help: " + $0] } ?? [])
    }
}
