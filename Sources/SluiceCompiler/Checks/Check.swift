import Foundation
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
    /// The files the spec names (`deps`), read as the lint reads them.
    public let files: any ProjectFiles
    /// Where pieces of scalars sit in the source, worked out once per scalar.
    let locators = SourceLocatorCache()
    /// Did-you-mean indexes, built once per spec for the name lists asked about often.
    let spellings = SpellingCache()

    public init(spec: PipelineSpec, graph: TaskGraph, project: Project, contracts: PipelineContracts, flow: BranchFlow,
                pipelines: PipelineIndex, files: any ProjectFiles = DiskFiles()) {
        self.spec = spec
        self.graph = graph
        self.project = project
        self.contracts = contracts
        self.flow = flow
        self.pipelines = pipelines
        self.files = files
        self.allReferences = AllReferences(contracts.references)
    }

    /// The source range of `length` scalars `offset` into a scalar's value.
    public func locate(_ node: YAMLNode, offset: Int, length: Int) -> SourceRange {
        locators.locator(for: node, in: spec.source).range(offset: offset, length: length)
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
        UnknownPool(), InvalidTriggerRule(), PathEscape(), MissingDeps(), SecretInPlainText(), DollarTemplate(), UnsafeReference(),
        // Data contracts.
        BadReference(), UnknownParam(), UnknownOutput(), NotUpstream(), ForeachNotList(), InvalidType(), TypeMismatch(),
        BranchNotDownstream(), UnreachableTask(), JoinAfterBranch(), LeafHidesFailure(), UnusedOutput(), UnknownPipeline(), TriggerCycle(), TriggerParamMismatch(),
        // Data checks on table outputs.
        UnknownColumn(), InvalidCheck(), LabelWithoutForeach(), UnknownItemField(),
    ]
}

/// `help:` text for a misspelt name.
func didYouMean(_ word: String, among candidates: some Sequence<String>) -> String? {
    Spelling.suggestion(for: word, among: candidates).map { "did you mean \"\($0)\"?" }
}

/// `help:` text for a misspelt name, among names indexed once (a spec can
/// misspell thousands of task names; each question must not cost a pass
/// over every task).
func didYouMean(_ word: String, among index: SpellingIndex) -> String? {
    index.suggestion(for: word).map { "did you mean \"\($0)\"?" }
}

/// `SpellingIndex`es by name list, made on first use and shared by the checks of one spec.
final class SpellingCache: @unchecked Sendable {
    private let lock = NSLock()
    private var indexes: [String: SpellingIndex] = [:]

    func index(_ key: String, _ names: () -> [String]) -> SpellingIndex {
        lock.lock()
        defer { lock.unlock() }
        if let known = indexes[key] { return known }
        let made = SpellingIndex(names())
        indexes[key] = made
        return made
    }
}

extension CheckContext {
    /// The task names of the pipeline, indexed for did-you-mean.
    var taskNameSpelling: SpellingIndex { spellings.index("tasks") { graph.names } }
}
