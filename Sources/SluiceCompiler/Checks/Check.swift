import Foundation
import SluiceDiagnostics
import SluiceSpec

/// What a check that reads no data contracts looks at for one spec: the
/// spec, its graph and branch flow, the project. Such a check (`SpecCheck`)
/// can run while the contracts are still being built (`ParallelChecks`).
public struct SpecContext: Sendable {
    public let spec: PipelineSpec
    public let graph: TaskGraph
    /// Every spec linted together, for checks that look across files.
    public let project: Project
    /// How branch skips flow through this pipeline.
    public let flow: BranchFlow
    /// The pipelines a `trigger` may name.
    public let pipelines: PipelineIndex
    /// The files the spec names (`deps`), read as the lint reads them.
    public let files: any ProjectFiles
    /// Where pieces of scalars sit in the source, worked out once per scalar.
    let locators = SourceLocatorCache()
    /// Did-you-mean indexes, built once per spec for the name lists asked about often.
    let spellings = SpellingCache()

    public init(spec: PipelineSpec, graph: TaskGraph, project: Project, flow: BranchFlow, pipelines: PipelineIndex,
                files: any ProjectFiles = DiskFiles()) {
        self.spec = spec
        self.graph = graph
        self.project = project
        self.flow = flow
        self.pipelines = pipelines
        self.files = files
    }

    /// The source range of `length` scalars `offset` into a scalar's value.
    public func locate(_ node: YAMLNode, offset: Int, length: Int) -> SourceRange {
        locators.locator(for: node, in: spec.source).range(offset: offset, length: length)
    }
}

/// Everything a check may look at for one spec: the `SpecContext` and the
/// data contracts.
public struct CheckContext: Sendable {
    /// All but the contracts; its caches are shared with the checks that ran before them.
    public let base: SpecContext
    /// Params, output types and every reference, resolved.
    public let contracts: PipelineContracts
    /// Every reference of the pipeline with its task, inputs included. Five
    /// rules walk it (rebuilding it per rule was once a fifth of the lint
    /// time); it is a view of the contracts' references, which hold them in
    /// this order, since copying them meant megabytes of fresh memory.
    public let allReferences: AllReferences

    public var spec: PipelineSpec { base.spec }
    public var graph: TaskGraph { base.graph }
    public var project: Project { base.project }
    public var flow: BranchFlow { base.flow }
    public var pipelines: PipelineIndex { base.pipelines }
    public var files: any ProjectFiles { base.files }
    var spellings: SpellingCache { base.spellings }

    public init(spec: PipelineSpec, graph: TaskGraph, project: Project, contracts: PipelineContracts, flow: BranchFlow,
                pipelines: PipelineIndex, files: any ProjectFiles = DiskFiles()) {
        self.init(SpecContext(spec: spec, graph: graph, project: project, flow: flow, pipelines: pipelines, files: files),
                  contracts: contracts)
    }

    public init(_ base: SpecContext, contracts: PipelineContracts) {
        self.base = base
        self.contracts = contracts
        self.allReferences = AllReferences(contracts.references)
    }

    /// The source range of `length` scalars `offset` into a scalar's value.
    public func locate(_ node: YAMLNode, offset: Int, length: Int) -> SourceRange {
        base.locate(node, offset: offset, length: length)
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

/// A check that reads no data contracts: on a large spec it runs on the
/// second core while the first builds them (`ParallelChecks`).
protocol SpecCheck: Check {
    func check(_ context: SpecContext, into sink: inout DiagnosticSink)
}

extension SpecCheck {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        check(context.base, into: &sink)
    }
}

/// A check whose work divides by task: checking two ranges of tasks one
/// after the other finds what checking both at once does, in the same
/// order. On a large spec its parts run on both cores (`ParallelChecks`).
protocol TaskRangeCheck: Check {
    func check(_ context: CheckContext, tasks: Range<Int>, into sink: inout DiagnosticSink)
}

extension TaskRangeCheck {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        check(context, tasks: context.spec.tasks.indices, into: &sink)
    }
}

/// The checks run on every spec, in no particular order (output is sorted).
public enum CheckRegistry {
    public static let perSpec: [any Check] = scheduled.map(\.check)

    /// `perSpec`, each check with how it may run (`ParallelChecks`). Said
    /// here rather than found by casting each check to `SpecCheck` or
    /// `TaskRangeCheck`: in a statically linked binary each such cast scans
    /// every protocol conformance record (12M instructions for the list).
    static let scheduled: [ScheduledCheck] = [
        .withoutContracts(UnknownTask()), .withoutContracts(SelfDependency()), .withoutContracts(DependencyCycle()),
        .withoutContracts(InvalidDuration()), .withoutContracts(InvalidCron()), .withoutContracts(UnknownPool()),
        .whole(InvalidTriggerRule()), .withoutContracts(PathEscape()), .withoutContracts(MissingDeps()),
        .withoutContracts(SecretInPlainText()), .whole(DollarTemplate()), .byTasks(UnsafeReference()),
        // Data contracts.
        .whole(BadReference()), .whole(UnknownParam()), .whole(UnknownOutput()), .whole(NotUpstream()), .whole(ForeachNotList()),
        .whole(InvalidType()), .whole(TypeMismatch()), .withoutContracts(BranchNotDownstream()), .withoutContracts(UnreachableTask()),
        .withoutContracts(JoinAfterBranch()), .withoutContracts(LeafHidesFailure()), .whole(UnusedOutput()),
        .withoutContracts(UnknownPipeline()), .withoutContracts(TriggerCycle()), .whole(TriggerParamMismatch()),
        // Data checks on table outputs.
        .whole(UnknownColumn()), .whole(InvalidCheck()), .withoutContracts(LabelWithoutForeach()), .whole(UnknownItemField()),
    ]
}

/// A check of the registry, and how it may run.
enum ScheduledCheck: Sendable {
    /// It reads no contracts: it may run while they are being built.
    case withoutContracts(any SpecCheck)
    /// Its work divides by task: it may run in parts.
    case byTasks(any TaskRangeCheck)
    case whole(any Check)

    var check: any Check {
        switch self {
        case .withoutContracts(let check): check
        case .byTasks(let check): check
        case .whole(let check): check
        }
    }
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

extension SpecContext {
    /// The task names of the pipeline, indexed for did-you-mean.
    var taskNameSpelling: SpellingIndex { spellings.index("tasks") { graph.names } }

    func taskName(_ index: Int) -> String { spec.tasks[index].name.value }
}

extension CheckContext {
    var taskNameSpelling: SpellingIndex { base.taskNameSpelling }
}
