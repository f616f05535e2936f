import SluiceDiagnostics

/// The syntax tree of one pipeline spec: what the file says, with every value
/// positioned. Nothing here is resolved or cross-checked yet; that is the
/// compiler's job. Values that failed to decode are absent (and diagnosed).
public struct PipelineSpec: Sendable {
    /// The path as the user named it; diagnostics report against it.
    public var file: String
    /// The source text, for diagnostics that need to look into scalars.
    public var source: SourceText
    /// The limits the text was read with, when it held a document.
    var limits: YAMLLimits?

    /// The document's root node. The decoder builds no tree (and reads tasks
    /// as a stream), so the tree is read again from `source` on each access.
    public var root: YAMLNode? {
        guard let limits else { return nil }
        return YAMLParser.parse(source.text, file: file, limits: limits).root
    }

    public var pipeline: Spanned<String>?
    public var description: Spanned<String>?
    public var schedule: YAMLNode?
    public var workdir: Spanned<String>?
    public var paramsFile: Spanned<String>?
    public var params: YAMLNode?
    public var defaults = TaskSettings()
    public var maxActiveTasks: Spanned<Int>?
    public var pools: [PoolSpec] = []
    public var envFile: Spanned<String>?
    public var secrets: [SecretSpec] = []
    public var tasks: [TaskSpec] = []

    public init(file: String, source: SourceText) {
        self.file = file
        self.source = source
    }

    public func task(named name: String) -> TaskSpec? {
        tasks.first { $0.name.value == name }
    }
}

/// A named pool with its number of slots.
public struct PoolSpec: Sendable {
    public var name: Spanned<String>
    public var slots: Spanned<Int>
}

/// A secret the run takes from the environment (or `env_file`); `literal` is
/// set when the spec wrongly gives it a value in the file.
public struct SecretSpec: Sendable {
    public var name: Spanned<String>
    public var literal: YAMLNode?
}

/// Settings a task may take from `defaults` (Airflow's `default_args`).
public struct TaskSettings: Sendable {
    public var retries: Spanned<Int>?
    public var retryDelay: YAMLNode?
    public var retryBackoff: Spanned<RetryBackoff>?
    public var timeout: YAMLNode?
    public var pool: Spanned<String>?
    public var triggerRule: Spanned<String>?
    public var cache: Spanned<Bool>?

    public init() {}
}

public enum RetryBackoff: String, Sendable, CaseIterable {
    case fixed, exponential
}

/// One task of the DAG.
public struct TaskSpec: Sendable {
    /// The task's key in `tasks:`.
    public var name: Spanned<String>
    public var description: Spanned<String>?
    /// The `run` scalar (kept as a node: references inside it need its style).
    public var run: YAMLNode?
    public var needs: [Spanned<String>] = []
    /// `foreach` as written: a reference string, or (wrongly) an inline value.
    public var foreach: YAMLNode?
    /// `label`: a template naming each map instance (`"{{ item.ticker }}"`).
    public var label: YAMLNode?
    public var outputs: [OutputSpec] = []
    public var inputs: [InputSpec] = []
    /// `branch` choices; nil when the task is not a branch task.
    public var branch: [Spanned<String>]?
    /// The pipeline `trigger` names (the string form, or `pipeline:` of the mapping form).
    public var trigger: Spanned<String>?
    /// `trigger: { params: ... }`: the child's params this task sets, in spec order.
    public var triggerParams: [TriggerParamSpec] = []
    public var settings = TaskSettings()
    public var env: [EnvEntry] = []
    public var deps: [Spanned<String>] = []
    /// `checks:`, per table output, in spec order.
    public var checks: [OutputChecksSpec] = []

    public init(name: Spanned<String>) {
        self.name = name
    }
}

/// A declared output: `name: type` or `name: { type: file, path: ... }`.
///
/// `path` and `description` (only the long form has them) live out of line,
/// in one immutable box that is absent while both are: 112 bytes an output
/// rather than 184.
public struct OutputSpec: Sendable {
    public var name: Spanned<String>
    /// The type text, e.g. `table(date: date, close: float64)`, with its node.
    public var type: YAMLNode
    @usableFromInline var details: OutputDetails?

    init(name: Spanned<String>, type: YAMLNode) {
        self.name = name
        self.type = type
    }

    /// Where a `file` output lands in the workspace, when given.
    public var path: Spanned<String>? {
        @inlinable get { details?.path }
        set { details = OutputDetails.make(path: newValue, description: details?.description) }
    }

    public var description: Spanned<String>? {
        @inlinable get { details?.description }
        set { details = OutputDetails.make(path: details?.path, description: newValue) }
    }
}

/// The rarely given fields of an `OutputSpec`.
@usableFromInline final class OutputDetails: Sendable {
    @usableFromInline let path: Spanned<String>?
    @usableFromInline let description: Spanned<String>?

    private init(path: Spanned<String>?, description: Spanned<String>?) {
        self.path = path
        self.description = description
    }

    static func make(path: Spanned<String>?, description: Spanned<String>?) -> OutputDetails? {
        path == nil && description == nil ? nil : OutputDetails(path: path, description: description)
    }
}

/// A typed expectation on an upstream output.
public struct InputSpec: Sendable {
    public var name: Spanned<String>
    /// `task.output` the input reads.
    public var from: Spanned<String>?
    public var type: YAMLNode?
    public var columns: [(name: Spanned<String>, type: YAMLNode)] = []
}

/// One `env` entry of a task.
/// One entry of `trigger: { params: ... }`: a dotted path into the child
/// pipeline's params and the value (a scalar, maybe with `{{ }}` references)
/// that replaces it, typed as `--param` types its value.
public struct TriggerParamSpec: Sendable {
    public var path: Spanned<String>
    public var value: YAMLNode
}

public struct EnvEntry: Sendable {
    public var name: Spanned<String>
    public var value: YAMLNode
}

/// The checks of one table output: `checks: { clean: [ ... ] }`.
public struct OutputChecksSpec: Sendable {
    /// The output the checks are for, as the key names it.
    public var output: Spanned<String>
    public var checks: [CheckSpec]
}

/// One entry of a `checks` list, e.g. `range: { column: y, min: 0 }`, as
/// written: the compiler checks its columns and values against the table.
public struct CheckSpec: Sendable {
    /// The check's key as written (`unique`, `not_null`, `range`, `accepted_values`, `rows`).
    public var kind: Spanned<String>
    /// unique and not_null: their columns; range and accepted_values: `column`.
    public var columns: [Spanned<String>] = []
    public var min: YAMLNode?
    public var max: YAMLNode?
    /// accepted_values: the `values` list's items.
    public var values: [YAMLNode] = []
    /// `warning` or `error` (checked by the decoder).
    public var severity: Spanned<String>?

    public init(kind: Spanned<String>) {
        self.kind = kind
    }

    public var isWarning: Bool { severity?.value == "warning" }
}
