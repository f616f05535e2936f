import SluiceCompiler
import SluiceDiagnostics
import SluicePlan

/// A compiler diagnostic as an LSP `Diagnostic`: the rule id as its code,
/// notes as related information (at the place a note names, when it names
/// one as `file:line:column`, else at the diagnostic), the help line last in
/// the message, as `sluice lint` prints it.
enum DiagnosticConversion {
    static func json(_ diagnostic: Diagnostic, _ positions: PositionMap) -> JSON {
        var message = diagnostic.message
        if let help = diagnostic.help { message += "\nhelp: " + help }
        let here: JSON = .object([("uri", .string(DocumentURI.uri(diagnostic.file))), ("range", positions.range(diagnostic.range))])
        let related: [JSON] = diagnostic.notes.map { note in
            let location = namedLocation(in: note).map { named -> JSON in
                let (file, line, column) = named
                let start = SourceLocation(line: line, column: column)
                let map = file == diagnostic.file ? positions : PositionMap(DiskFiles.readForPositions(file))
                return .object([("uri", .string(DocumentURI.uri(file))), ("range", map.range(SourceRange(at: start)))])
            }
            return .object([("location", location ?? here), ("message", .string(note))])
        }
        var members: [(String, JSON)] = [
            ("range", positions.range(diagnostic.range)),
            ("severity", .int(severity(diagnostic.severity))),
            ("code", .string(diagnostic.rule.id)),
            ("source", .string("sluice")),
            ("message", .string(message)),
        ]
        if !related.isEmpty { members.append(("relatedInformation", .array(related))) }
        if let help = diagnostic.help { members.append(("data", .object([("help", .string(help))]))) }
        return .object(members)
    }

    static func severity(_ severity: Severity) -> Int64 {
        switch severity {
        case .error: 1
        case .warning: 2
        case .note: 3
        }
    }

    /// The first `path:line:column` a note names ("set at pipelines/x.yaml:12:5").
    static func namedLocation(in note: String) -> (String, Int, Int)? {
        for word in note.split(whereSeparator: { $0 == " " || $0 == "(" || $0 == ")" || $0 == "," }) {
            let parts = word.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 3, let column = Int(parts[parts.count - 1].filter(\.isNumber)),
                  let line = Int(parts[parts.count - 2]), line > 0, column > 0 else { continue }
            let file = parts[..<(parts.count - 2)].joined(separator: ":")
            guard file.hasSuffix(".yaml") || file.hasSuffix(".yml") else { continue }
            return (file, line, column)
        }
        return nil
    }
}

extension DiskFiles {
    /// A file's text for converting positions; empty when unreadable.
    static func readForPositions(_ path: String) -> String {
        DiskFiles().read(path) ?? ""
    }
}
