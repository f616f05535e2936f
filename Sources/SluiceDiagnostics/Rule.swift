/// The catalogue of rule ids. Ids are stable: CI configurations, suppressions
/// and SARIF consumers key on them. This one list feeds SARIF `rules[]`, the
/// docs and a consistency test.
public enum Rule: String, Sendable, Codable, CaseIterable, Hashable {
    case yamlSyntax = "yaml-syntax"
    case unknownKey = "unknown-key"
    case invalidValue = "invalid-value"
    case missingKey = "missing-key"
    case duplicateKey = "duplicate-key"
    case unknownTask = "unknown-task"
    case selfDependency = "self-dependency"
    case cycle = "cycle"
    case unknownParam = "unknown-param"
    case unknownOutput = "unknown-output"
    case notUpstream = "not-upstream"
    case badReference = "bad-reference"
    case dollarTemplate = "dollar-template"
    case foreachNotList = "foreach-not-list"
    case typeMismatch = "type-mismatch"
    case invalidType = "invalid-type"
    case invalidDuration = "invalid-duration"
    case invalidCron = "invalid-cron"
    case unknownPool = "unknown-pool"
    case invalidTriggerRule = "invalid-trigger-rule"
    case branchNotDownstream = "branch-not-downstream"
    case unknownPipeline = "unknown-pipeline"
    case duplicatePipeline = "duplicate-pipeline"
    case triggerCycle = "trigger-cycle"
    case joinAfterBranch = "join-after-branch"
    case unusedOutput = "unused-output"
    case unreachableTask = "unreachable-task"
    case leafHidesFailure = "leaf-hides-failure"
    case secretInPlainText = "secret-in-plain-text"
    case pathEscape = "path-escape"
    case missingDeps = "missing-deps"
    case unsafeReference = "unsafe-reference"
    case unusedSuppression = "unused-suppression"
    case unknownColumn = "unknown-column"
    case invalidCheck = "invalid-check"

    public var id: String { rawValue }

    public var defaultSeverity: Severity {
        switch self {
        case .triggerCycle, .joinAfterBranch, .unusedOutput, .unreachableTask, .leafHidesFailure, .secretInPlainText, .unusedSuppression, .missingDeps:
            .warning
        default:
            .error
        }
    }

    /// One line: what the rule fires on (SARIF `shortDescription`).
    public var summary: String {
        switch self {
        case .yamlSyntax: "the file is not valid YAML"
        case .unknownKey: "a key the spec schema does not know"
        case .invalidValue: "a value of the wrong kind (list where a map belongs, bad id, negative retries ...)"
        case .missingKey: "a required key (`pipeline` or `tasks`) is absent"
        case .duplicateKey: "a key given twice in one mapping"
        case .unknownTask: "`needs` or `branch` names no task of this pipeline"
        case .selfDependency: "a task needs itself"
        case .cycle: "the task dependency graph has a cycle"
        case .unknownParam: "a `{{ params.x.y }}` reference resolves to nothing"
        case .unknownOutput: "a `{{ task.output }}` reference names an output the task does not declare"
        case .notUpstream: "a referenced output's task is not a transitive upstream"
        case .badReference: "a malformed `{{ }}` reference or an unknown root"
        case .dollarTemplate: "`${{ ... }}`, GitHub Actions' syntax: the `$` is not part of a reference"
        case .foreachNotList: "`foreach` is an inline value or refers to a non-list"
        case .typeMismatch: "an `inputs` expectation disagrees with the producer's declared type"
        case .invalidType: "an output type that does not parse"
        case .invalidDuration: "a duration that is not a positive number with a unit (500ms, 30s, 5m, 2h)"
        case .invalidCron: "a schedule that is not valid 5-field cron or an @daily-style alias"
        case .unknownPool: "a task names a pool not declared in `pools`"
        case .invalidTriggerRule: "a trigger rule that is not one of Airflow's, or `always` on a task mapping over an upstream output"
        case .branchNotDownstream: "a branch choice is not a direct downstream of the branch task"
        case .unknownPipeline: "`trigger` names no pipeline that resolves"
        case .duplicatePipeline: "two specs linted together declare the same pipeline id"
        case .triggerCycle: "pipelines that trigger each other unconditionally"
        case .joinAfterBranch: "a join downstream of several branch choices keeps `all_success` and is always skipped"
        case .unusedOutput: "a scalar output that no downstream task references"
        case .unreachableTask: "a direct downstream of a branch task that is neither one of its choices nor below one"
        case .leafHidesFailure: "a leaf with `all_done` or `always` runs after a failure no other leaf shows, so the run succeeds"
        case .secretInPlainText: "a credential written as a literal in the spec"
        case .pathEscape: "a `file` output, `deps` or `params_file` path that leaves the workspace"
        case .missingDeps: "a `deps` entry that names no existing file or directory, or a glob"
        case .unsafeReference: "a `{{ }}` in `run` where the shell could read its value as code"
        case .unusedSuppression: "a `# sluice: ignore[...]` comment that silences nothing or names no rule"
        case .unknownColumn: "a data check names a column its table output does not declare"
        case .invalidCheck: "a data check that cannot apply to its output or column (a range on text, a bound of the wrong type)"
        }
    }
}
