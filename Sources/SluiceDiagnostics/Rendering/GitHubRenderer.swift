/// Renders GitHub Actions workflow commands, one line per diagnostic, which
/// the runner turns into annotations on the pull request:
///
/// `::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=RULE::message`
///
/// `::warning` and `::notice` by severity. Notes and help follow the message
/// on (escaped) new lines. `endColumn` is the model's exclusive end, as ruff
/// and other linters emit it. GitHub rejects columns on an annotation that
/// spans lines, so a multi-line range carries only `line` and `endLine`.
/// Paths are printed as given: run from the repository root so they match.
public struct GitHubRenderer: Sendable {
    public init() {}

    public func render(_ diagnostics: [Diagnostic]) -> String {
        DiagnosticSink.normalize(diagnostics).map(command).joined()
    }

    private func command(_ diagnostic: Diagnostic) -> String {
        let properties = locationProperties(diagnostic) + [("title", diagnostic.rule.id)]
        let list = properties.map { "\($0.0)=\(Self.escapeProperty($0.1))" }.joined(separator: ",")
        let message = ([diagnostic.message] + diagnostic.trailerLines).joined(separator: "\n")
        return "::\(Self.command(for: diagnostic.severity)) \(list)::\(Self.escapeData(message))\n"
    }

    private func locationProperties(_ diagnostic: Diagnostic) -> [(String, String)] {
        let start = diagnostic.range.start, end = diagnostic.range.end
        var properties = [("file", diagnostic.file)]
        guard start.line >= 1 else { return properties }
        properties.append(("line", String(start.line)))
        let sameLine = start.line == end.line
        if sameLine { properties.append(("col", String(max(1, start.column)))) }
        properties.append(("endLine", String(end.line)))
        if sameLine { properties.append(("endColumn", String(max(1, end.column)))) }
        return properties
    }

    static func command(for severity: Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .note: "notice"
        }
    }

    /// Escaping of a command's message (the runner's `escapeData`).
    static func escapeData(_ text: String) -> String {
        escape(text, property: false)
    }

    /// Escaping of a property value (the runner's `escapeProperty`): also
    /// `:` and `,`, which would otherwise end the value.
    static func escapeProperty(_ text: String) -> String {
        escape(text, property: true)
    }

    private static func escape(_ text: String, property: Bool) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "%": out += "%25"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            case ":" where property: out += "%3A"
            case "," where property: out += "%2C"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
