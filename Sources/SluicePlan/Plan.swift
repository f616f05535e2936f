import SluiceBasics

/// The lowered, checked pipeline: what the executor runs, the graph renderers
/// draw and the Airflow exporter translates. It carries no source positions
/// and no secret values, and prints to byte-identical JSON for identical input
/// (DESIGN.md "plan"); `Plan(json:)` reads that JSON back.
public struct Plan: Equatable, Sendable {
    public static let formatVersion: Int64 = 1

    public var pipeline: String
    public var description: String?
    /// The spec's path as it was given to `sluice plan`, for messages.
    public var source: String
    /// SHA-256 of the spec's bytes, lowercase hex.
    public var sourceSHA256: String
    /// The workspace directory (the spec's directory, or its `workdir`), as a
    /// path relative to the directory `sluice plan` ran in, or absolute when
    /// the spec was named by an absolute path. Tasks run there and `.sluice/` lives there.
    public var workspace: String
    public var schedule: String?
    /// Params after `params_file`, inline `params` and `--param` overrides: always an object.
    public var params: JSON
    public var pools: [Pool]
    /// nil: the number of cores at run time.
    public var maxActiveTasks: Int?
    /// Relative to the workspace.
    public var envFile: String?
    /// Secret *names*; their values come from the environment at run time.
    public var secrets: [String]
    /// In topological order, ties broken by name.
    public var tasks: [PlanTask]

    public init(pipeline: String, description: String? = nil, source: String, sourceSHA256: String, workspace: String,
                schedule: String? = nil, params: JSON = .object([]), pools: [Pool] = [], maxActiveTasks: Int? = nil,
                envFile: String? = nil, secrets: [String] = [], tasks: [PlanTask]) {
        self.pipeline = pipeline
        self.description = description
        self.source = source
        self.sourceSHA256 = sourceSHA256
        self.workspace = workspace
        self.schedule = schedule
        self.params = params
        self.pools = pools
        self.maxActiveTasks = maxActiveTasks
        self.envFile = envFile
        self.secrets = secrets
        self.tasks = tasks
    }

    public struct Pool: Equatable, Sendable {
        public var name: String
        public var slots: Int
        public init(name: String, slots: Int) { self.name = name; self.slots = slots }
    }

    public func task(_ id: String) -> PlanTask? { tasks.first { $0.id == id } }
}

public struct PlanTask: Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// Runs a shell command.
        case command
        /// Starts another pipeline and waits for it.
        case trigger
        /// Neither `run` nor `trigger`: a join or a branch target that only orders.
        case empty
    }

    public var id: String
    public var description: String?
    public var kind: Kind
    /// Direct upstream tasks, in the order the spec lists them.
    public var needs: [String]
    public var run: Template?
    public var foreach: ForeachSource?
    /// A `foreach` task's `label`: names each map instance (nil: the default label).
    public var label: Template?
    public var outputs: [PlanOutput]
    /// Typed expectations on upstream outputs (checked at compile time; kept for the record).
    public var inputs: [PlanInput]
    /// Choices of a branch task; nil for other tasks.
    public var branch: [String]?
    public var trigger: PlanTrigger?
    public var triggerRule: TriggerRule
    public var retries: Int
    public var retryDelayMilliseconds: Int64
    public var retryBackoff: Backoff
    public var timeoutMilliseconds: Int64?
    public var pool: String?
    /// Declared env, in spec order; values may hold references.
    public var env: [EnvVariable]
    /// Files whose content feeds the cache key, relative to the workspace.
    public var deps: [String]
    public var cache: Bool
    /// The cache-relevant facts: which params and upstream outputs this task
    /// reads (through `run`, `env` or `foreach`), sorted, de-duplicated.
    public var reads: Reads

    public enum Backoff: String, Sendable { case fixed, exponential }

    public init(id: String, description: String? = nil, kind: Kind, needs: [String] = [], run: Template? = nil,
                foreach: ForeachSource? = nil, outputs: [PlanOutput] = [], inputs: [PlanInput] = [], branch: [String]? = nil,
                trigger: PlanTrigger? = nil, triggerRule: TriggerRule = .allSuccess, retries: Int = 0,
                retryDelayMilliseconds: Int64 = 0, retryBackoff: Backoff = .fixed, timeoutMilliseconds: Int64? = nil,
                pool: String? = nil, env: [EnvVariable] = [], deps: [String] = [], cache: Bool = true, reads: Reads = Reads()) {
        self.id = id
        self.description = description
        self.kind = kind
        self.needs = needs
        self.run = run
        self.foreach = foreach
        self.outputs = outputs
        self.inputs = inputs
        self.branch = branch
        self.trigger = trigger
        self.triggerRule = triggerRule
        self.retries = retries
        self.retryDelayMilliseconds = retryDelayMilliseconds
        self.retryBackoff = retryBackoff
        self.timeoutMilliseconds = timeoutMilliseconds
        self.pool = pool
        self.env = env
        self.deps = deps
        self.cache = cache
        self.reads = reads
    }

    /// Inlinable: read from an array element in another module (the executor's
    /// scheduler, per task), a call to it copied the whole task first.
    @inlinable
    public var isMapped: Bool { foreach != nil }

    public func output(_ name: String) -> PlanOutput? { outputs.first { $0.name == name } }
}

public struct PlanOutput: Equatable, Sendable {
    public var name: String
    public var type: ValueType
    /// For `file` outputs: where the file lands, relative to the workspace.
    public var path: String?
    /// For `table` outputs: the data checks run on the table before it is published.
    public var checks: [PlanCheck]
    public init(name: String, type: ValueType, path: String? = nil, checks: [PlanCheck] = []) {
        self.name = name
        self.type = type
        self.path = path
        self.checks = checks
    }
}

public struct PlanInput: Equatable, Sendable {
    public var name: String
    public var from: OutputReference
    public init(name: String, from: OutputReference) {
        self.name = name
        self.from = from
    }
}

public struct PlanTrigger: Equatable, Sendable {
    public var pipeline: String
    /// The resolved spec of the triggered pipeline, relative to the workspace.
    public var spec: String
    /// The child's params this trigger replaces, in spec order.
    public var params: [TriggerParam]
    public init(pipeline: String, spec: String, params: [TriggerParam] = []) {
        self.pipeline = pipeline
        self.spec = spec
        self.params = params
    }
}

/// One `trigger: { params: ... }` entry: the child's param at `path` (dotted)
/// is replaced by the rendered value, typed as `--param path=value` types it.
public struct TriggerParam: Equatable, Sendable {
    public var path: String
    public var value: Template
    public init(path: String, value: Template) {
        self.path = path
        self.value = value
    }
}

public struct EnvVariable: Equatable, Sendable {
    public var name: String
    public var value: Template
    public init(name: String, value: Template) {
        self.name = name
        self.value = value
    }
}

/// An upstream output as a consumer sees it: `type` is the type downstream
/// (a list of the declared type when the producer is mapped).
public struct OutputReference: Hashable, Sendable, Comparable {
    public var task: String
    public var output: String
    public var type: ValueType
    /// The producer is a `foreach` task: the value is a list in map-index order.
    public var mapped: Bool
    /// `{{ task.output.by_label }}` of a mapped producer: a mapping from each
    /// instance's label to its value, null where the instance did not
    /// succeed, so the values stay aligned with the items.
    public var byLabel: Bool

    public init(task: String, output: String, type: ValueType, mapped: Bool, byLabel: Bool = false) {
        self.task = task
        self.output = output
        self.type = type
        self.mapped = mapped
        self.byLabel = byLabel
    }

    /// The reference's path: `task.output`, or `task.output.by_label`; the
    /// name it has in `--upstream` and in a cache key.
    public var dotted: String { task + "." + output + (byLabel ? "." + Self.byLabelField : "") }

    public static let byLabelField = "by_label"

    public static func < (a: OutputReference, b: OutputReference) -> Bool {
        (a.task, a.output, a.byLabel ? 1 : 0) < (b.task, b.output, b.byLabel ? 1 : 0)
    }
}

extension OutputReference {
    /// The value this reference reads, from what its producer wrote (for a
    /// mapped producer, the list of its instances' values). Only a branch's
    /// output differs: see `BranchOutput.value(_:as:)`.
    public func read(_ written: JSON) -> JSON {
        guard output == BranchOutput.name else { return written }
        guard mapped else { return BranchOutput.value(written, as: type) }
        guard case .list(let element) = type, case .array(let instances) = written else { return written }
        return .array(instances.map { BranchOutput.value($0, as: element) })
    }
}

/// The output a branch task writes without declaring it: the names of the
/// tasks it chose, one (`branch=left`) or a JSON list (`branch=["a","b"]`).
/// One fact for the compiler, which types every reference to it, and for
/// the executor, which renders by the type the plan records.
public enum BranchOutput {
    public static let name = "branch"
    /// What a downstream task sees: the chosen tasks, one or several, so
    /// `{{ decide.branch }}` is one shell word per choice and a `foreach`
    /// may map over it (docs/spec.md, "A branch output is a list downstream").
    public static let type: ValueType = .list(.string)

    /// One instance's `branch` as written, read as `type`: a single choice,
    /// where the reference expects the list of choices, is a list of one.
    /// Any other pairing (a declared `branch: string`, a plan written before
    /// the branch was a list) is read as written.
    public static func value(_ written: JSON, as type: ValueType) -> JSON {
        guard type == Self.type, case .string = written else { return written }
        return .array([written])
    }
}

/// What a `foreach` maps over.
public enum ForeachSource: Equatable, Sendable {
    /// A list in params, by path.
    case param([String])
    /// An upstream output that is a list (or any output of a mapped task).
    case output(OutputReference)
}

/// A reference inside `run`, an `env` value or `foreach`, resolved.
public enum Reference: Equatable, Sendable {
    case param([String])
    case output(OutputReference)
    case item
    /// A field of a structured item: `{{ item.ticker }}` is `["ticker"]`,
    /// `{{ item.0 }}` `["0"]` (a digit indexes a list).
    case itemField([String])
    case index
    case runID
    case runDate
}

/// A templated string, resolved: literal text and references, in order.
public struct Template: Equatable, Sendable {
    public enum Segment: Equatable, Sendable {
        case text(String)
        case reference(Reference)
    }

    public var segments: [Segment]
    public init(_ segments: [Segment]) { self.segments = segments }

    public var references: [Reference] {
        segments.compactMap { if case .reference(let r) = $0 { r } else { nil } }
    }
}

public struct Reads: Equatable, Sendable {
    /// Param paths, dotted (`forecast.horizon_hours`), sorted.
    public var params: [String]
    /// Upstream outputs, sorted by task then output.
    public var outputs: [OutputReference]
    public init(params: [String] = [], outputs: [OutputReference] = []) {
        self.params = params
        self.outputs = outputs
    }
}
