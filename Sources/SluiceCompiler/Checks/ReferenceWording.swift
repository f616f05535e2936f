import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// Shared wording and positions for the reference rules, so every rule
/// speaks of a reference the same way.
extension CheckContext {
    /// The `{{ ... }}` (or bare path) of a reference, in the source.
    func range(of reference: ResolvedReference) -> SourceRange {
        locate(reference.node, offset: reference.scanned.offset, length: reference.scanned.length)
    }

    /// Segments `from..<to` of a reference's path, in the source.
    func range(of reference: ResolvedReference, segments from: Int, _ to: Int) -> SourceRange {
        let span = reference.scanned.span(from: from, to: to)
        return locate(reference.node, offset: span.offset, length: span.length)
    }

    /// "in \"run\" of task \"x\"".
    func place(_ reference: ResolvedReference, task: Int) -> String {
        "in \(reference.site.description) of task \(quoted(spec.tasks[task].name.value))"
    }

    func taskName(_ index: Int) -> String { base.taskName(index) }

}

func quoted(_ text: String) -> String { "\"\(text)\"" }

/// "pipelines/x.yaml:12:5", for notes that point at a second declaration.
func position(_ file: String, _ range: SourceRange) -> String {
    "\(file):\(range.start.line):\(range.start.column)"
}
