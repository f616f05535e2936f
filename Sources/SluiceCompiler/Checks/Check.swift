import SluiceDiagnostics
import SluiceSpec

/// Everything a check may look at for one spec.
public struct CheckContext: Sendable {
    public let spec: PipelineSpec
    public let graph: TaskGraph
    /// Every spec linted together, for checks that look across files.
    public let project: Project
    /// Params, output types and every reference, resolved.
    public let contracts: PipelineContracts
    /// How branch skips flow through this pipeline.
    public let flow: BranchFlow
    /// The pipelines a `trigger` may name.
    public let pipelines: PipelineIndex
    /// Every reference of the pipeline with its task, inputs included. Five
    /// rules walk it (rebuilding it per rule was once a fifth of the lint
    /// time); it is a view of the contracts' references, which hold them in
    /// this order, since copying them meant megabytes of fresh memory.
    public let allReferences: AllReferences

    public init(spec: PipelineSpec, graph: TaskGraph, project: Project, contracts: PipelineContracts, flow: BranchFlow,
                pipelines: PipelineIndex) {
        self.spec = spec
        self.graph = graph
        self.project = project
        self.contracts = contracts
        self.flow = flow
        self.pipelines = pipelines
        self.allReferences = AllReferences(contracts.references)
    }

    /// The source range of `length` scalars `offset` into a scalar's value.
    public func locate(_ node: YAMLNode, offset: Int, length: Int) -> SourceRange {
        SourceLocator(node: node, source: spec.source).range(offset: offset, length: length)
    }
}

/// Every reference of a pipeline with its task: task by task, its `run`,
/// `env` and `foreach` references, then its inputs' `from`.
public struct AllReferences: RandomAccessCollection, Sendable {
    let references: TaskReferences

    init(_ references: TaskReferences) { self.references = references }

    public var startIndex: Int { 0 }
    public var endIndex: Int { references.storage.count }
    public subscript(position: Int) -> (task: Int, reference: ResolvedReference) {
        (references.owners[position], references.storage[position])
    }
}

/// One rule of the catalogue, over one spec. Checks emit into the sink and
/// never print; one check per file, named for what it forbids.
public protocol Check: Sendable {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink)
}

/// The checks run on every spec, in no particular order (output is sorted).
public enum CheckRegistry {
    public static let perSpec: [any Check] = [
        UnknownTask(), SelfDependency(), DependencyCycle(), InvalidDuration(), InvalidCron(),
        UnknownPool(), InvalidTriggerRule(), PathEscape(), SecretInPlainText(), UnsafeReference(),
        // Data contracts.
        BadReference(), UnknownParam(), UnknownOutput(), NotUpstream(), ForeachNotList(), InvalidType(), TypeMismatch(),
        BranchNotDownstream(), UnreachableTask(), JoinAfterBranch(), UnusedOutput(), UnknownPipeline(), TriggerCycle(),
    ]
}

/// `help:` text for a misspelt name.
func didYouMean(_ word: String, among candidates: some Sequence<String>) -> String? {
    Spelling.suggestion(for: word, among: candidates).map { "did you mean \"\($0)\"?" }
}
