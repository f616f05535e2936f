import SluiceDiagnostics
import SluiceSpec

/// Where the pieces of a checked spec's `{{ }}` references sit in its
/// source, for tools that navigate rather than report (the language server):
/// the same positions the rules underline.
public final class ReferenceLocator: Sendable {
    public let pipeline: CheckedPipeline
    private let locators = SourceLocatorCache()

    public init(_ pipeline: CheckedPipeline) {
        self.pipeline = pipeline
    }

    /// Every reference of the pipeline with its task (`run`, `env`, `foreach`, then inputs' `from`).
    public var allReferences: AllReferences { AllReferences(pipeline.contracts.references) }

    /// Segments `from..<to` of a reference's path, in the source.
    public func range(of reference: ResolvedReference, segments from: Int, _ to: Int) -> SourceRange {
        let span = reference.scanned.span(from: from, to: to)
        return locators.locator(for: reference.node, in: pipeline.spec.source).range(offset: span.offset, length: span.length)
    }
}
