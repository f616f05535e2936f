import SluiceBasics

/// The JSON Schema (draft 2020-12) of a pipeline spec, so editors (VS Code's
/// YAML extension, JetBrains) complete keys, show descriptions on hover and
/// flag a misspelled key as it is typed. `sluice schema` prints it and
/// docs/schema/sluice.schema.json ships the same text.
///
/// Every object's `properties` is generated from the decoder's own key set
/// (`SpecParser.topLevelKeys`, `defaultsKeys`, `taskKeys`, `outputKeys`,
/// `inputKeys`), in its order, so a key the decoder learns appears here too; a
/// test fails until it also has a schema and a description below.
///
/// The schema is as lenient as the decoder wherever the decoder is lenient
/// (a single name for `needs`, an empty `params:`, any scalar as a
/// description): an editor must never flag a spec `sluice lint` accepts. The
/// one deliberate exception is `secrets` as a mapping: the decoder reads it
/// only to warn that a secret's value is written in the file, which is always
/// wrong. Checks the schema cannot express (cycles, references, whole
/// milliseconds in `1.5s`) stay with `sluice lint`.
public struct SpecSchema: Sendable {
    public static let dialect = "https://json-schema.org/draft/2020-12/schema"
    public static let id = "https://sluice.dev/schema/sluice.schema.json"

    /// Trigger rule names and table column types. SluicePlan owns both, and
    /// SluiceSpec does not import SluicePlan (dependencies point one way), so
    /// the caller passes them in rather than this file keeping a copy.
    public var triggerRules: [String]
    public var columnTypes: [String]

    public init(triggerRules: [String], columnTypes: [String]) {
        self.triggerRules = triggerRules
        self.columnTypes = columnTypes
    }

    /// The schema as pretty-printed JSON in a fixed key order, ending in a newline.
    public func rendered() -> String {
        document.rendered()
    }

    var document: OrderedJSON {
        [
            "$schema": .string(Self.dialect),
            "$id": .string(Self.id),
            "title": "Sluice pipeline spec",
            "description": "One Sluice pipeline: params and a DAG of tasks (format version 1). `sluice lint` checks what a schema cannot.",
            "type": "object",
            "required": ["pipeline", "tasks"],
            "additionalProperties": false,
            "properties": Self.properties(SpecParser.topLevelKeys, topLevelProperties),
            "$defs": definitions,
        ]
    }

    /// `properties` in the key set's order. A key without an entry in `table`
    /// gets an empty schema, which the schema test reports (no description).
    static func properties(_ keys: KeySet, _ table: [String: OrderedJSON]) -> OrderedJSON {
        .object(keys.names.map { ($0, table[$0] ?? [:]) })
    }

    static func ref(_ definition: String, _ description: String) -> OrderedJSON {
        ["description": .string(description), "$ref": .string("#/$defs/\(definition)")]
    }

    /// A list of `item`s, or one bare item (`needs: build`, as the decoder
    /// allows), or nothing at all (`needs:`) when `nullable`.
    static func list(of item: String, _ description: String, minItems: Int = 0, uniqueItems: Bool = false, nullable: Bool = true) -> OrderedJSON {
        var array: [(String, OrderedJSON)] = [("type", "array"), ("items", ["$ref": .string("#/$defs/\(item)")])]
        if minItems > 0 { array.append(("minItems", .int(minItems))) }
        if uniqueItems { array.append(("uniqueItems", true)) }
        var choices: [OrderedJSON] = [["$ref": .string("#/$defs/\(item)")], .object(array)]
        if nullable { choices.append(["type": "null"]) }
        return ["description": .string(description), "anyOf": .array(choices)]
    }

    /// A mapping from names (`name` definition) to `value`; empty (`env:`) is fine.
    static func map(_ description: String, keys: String = "name", values: OrderedJSON) -> OrderedJSON {
        ["description": .string(description), "type": ["object", "null"],
         "propertyNames": ["$ref": .string("#/$defs/\(keys)")], "additionalProperties": values]
    }

    var topLevelProperties: [String: OrderedJSON] {
        [
            "pipeline": Self.ref("pipelineId", "The pipeline id: also the Airflow dag id and the run directory's name."),
            "description": Self.ref("text", "What the pipeline does, for people and for the exported Airflow DAG."),
            "schedule": [
                "description": "When the pipeline runs: 5-field cron (minute hour day-of-month month day-of-week, UTC) or an alias (@hourly, @daily, @midnight, @weekly, @monthly, @quarterly, @yearly, @annually, @once).",
                "type": ["string", "null"],
                "pattern": #"^\s*(?:@[A-Za-z]+|\S+(?:\s+\S+){4})\s*$"#,
                "examples": ["0 6 * * 1-5", "@daily"],
            ],
            "workdir": Self.ref("path", "The workspace, relative to this file's directory (default: the file's directory). Tasks run there and .sluice/ lives there."),
            "params_file": Self.ref("path", "A params.yaml-style file, relative to this file, whose sections are merged under params."),
            "params": [
                "description": "Parameters, referenced as {{ params.section.key }} in run, foreach and env. Any YAML mapping.",
                "type": ["object", "null"],
            ],
            "defaults": [
                "description": "Settings every task takes unless it sets its own (Airflow's default_args).",
                "type": ["object", "null"],
                "additionalProperties": false,
                "properties": Self.properties(SpecParser.defaultsKeys, settingsProperties),
            ],
            "max_active_tasks": [
                "description": "At most this many task attempts run at once (default: the number of cores).",
                "type": "integer", "minimum": 1,
            ],
            "pools": Self.map("Named pools and their slots; a task with pool: NAME waits for a free slot.",
                              values: ["description": "The pool's slots: how many of its tasks run at once.", "type": "integer", "minimum": 1]),
            "env_file": Self.ref("path", "A .env file, relative to this file, read at run time for secrets and variables."),
            "secrets": Self.list(of: "name", "Names of environment variables whose values are secrets: masked as *** in every log, plan and record. Give names only; values come from the environment or env_file, never from the spec."),
            "tasks": [
                "description": "The tasks of the DAG, by name.",
                "type": "object",
                "minProperties": 1,
                "propertyNames": [
                    "$ref": "#/$defs/taskName",
                    "not": ["enum": .array(SpecParser.reservedTaskNames.sorted().map { .string($0) })],
                ],
                "additionalProperties": ["$ref": "#/$defs/task"],
            ],
        ]
    }

    /// Keys shared by `defaults` and tasks.
    var settingsProperties: [String: OrderedJSON] {
        [
            "retries": ["description": "How many times a failed attempt is retried.", "type": "integer", "minimum": 0],
            "retry_delay": Self.ref("duration", "How long to wait before a retry (0s is allowed)."),
            "retry_backoff": [
                "description": "fixed waits retry_delay each time; exponential doubles it after each attempt, up to 1h.",
                "enum": .array(RetryBackoff.allCases.map { .string($0.rawValue) }),
            ],
            "timeout": Self.ref("duration", "How long an attempt may run before its process group is stopped (SIGTERM, then SIGKILL 10s later)."),
            "pool": Self.ref("name", "A pool declared under pools; the task takes one of its slots while it runs."),
            "trigger_rule": [
                "description": "When the task may start, given its upstream tasks' states (Airflow's trigger rules). Default: all_success.",
                "enum": .array(triggerRules.map { .string($0) }),
            ],
            "cache": ["description": "Reuse the outputs of an earlier run with the same cache key (default: true); false always re-runs.", "type": "boolean"],
        ]
    }

    var taskProperties: [String: OrderedJSON] {
        settingsProperties.merging([
            "run": Self.ref("text", "The shell command (/bin/sh -c), run in the workspace. {{ }} references are substituted, quoted for their spot in the command; a reference where that cannot be proved safe (backquotes, a here-document body, ${…}, eval, sh -c …) is the unsafe-reference error. A task with neither run nor trigger is an empty task."),
            "needs": Self.list(of: "taskName", "Tasks that must finish first (per trigger_rule). A list, or one name.", uniqueItems: true),
            "foreach": ["description": "Run one map instance per item of a list, given as a reference such as params.tickers (never an inline list); {{ item }} and {{ index }} name the current one.", "type": "string", "minLength": 1],
            "label": ["description": "With foreach: names each map instance in progress, the summary, sluice show, graph --run, tasks.arrow and the Airflow UI: a template over {{ item }} (and its fields, {{ item.ticker }}), {{ index }}, params and run. Default: a scalar item itself, else the index.", "type": "string", "minLength": 1],
            "outputs": Self.map("Declared outputs, by name: a type, or an object with type, path and description.",
                                values: ["anyOf": [["$ref": "#/$defs/valueType"], ["$ref": "#/$defs/output"]]]),
            "inputs": Self.map("Typed expectations on upstream outputs, checked against what the producer declares.",
                               values: ["$ref": "#/$defs/input"]),
            "branch": Self.list(of: "taskName", "Makes this a branch task: it writes the output branch naming the choices to run; its other direct downstream tasks are skipped.", minItems: 1, nullable: false),
            "trigger": [
                "description": "Run this pipeline as a child run and succeed or fail with it. It must be linted with this one or sit in the same directory. The mapping form also sets the child's params.",
                "anyOf": [["$ref": "#/$defs/pipelineId"], ["$ref": "#/$defs/trigger"]],
            ],
            "env": Self.map("Environment variables for the task's process.", values: ["$ref": "#/$defs/text"]),
            "deps": Self.list(of: "path", "Files, relative to this file, whose content feeds the task's cache key. A list, or one path."),
            "description": Self.ref("text", "What the task does."),
            "checks": Self.map("Data checks, per table output: a list of checks run on the table before it is published; a failing check fails the attempt unless its severity is warning.",
                               values: ["anyOf": [["type": "array", "items": ["$ref": "#/$defs/check"]], ["type": "null"]]]),
        ]) { _, task in task }
    }

    var definitions: OrderedJSON {
        [
            "trigger": [
                "description": "A trigger that sets the child's params: pipeline names it, params maps a dotted path into the child's params to a value (a literal, or {{ }} references rendered as env values are), typed by the param it replaces as --param is.",
                "type": "object", "required": ["pipeline"], "additionalProperties": false,
                "properties": Self.properties(SpecParser.triggerKeys, [
                    "pipeline": Self.ref("pipelineId", "The pipeline to run as a child run."),
                    "params": ["description": "The child's params to set, by dotted path (\"training.end\"): a literal, or text with {{ }} references (upstream outputs, params, run.*, item), typed by the param it replaces as --param is; lint checks the path and, where the value's type is known, the type.",
                               "type": ["object", "null"], "propertyNames": ["minLength": 1, "pattern": "^[^.]+(\\.[^.]+)*$"],
                               "additionalProperties": ["$ref": "#/$defs/text"]],
                ]),
            ],
            "pipelineId": ["description": "A pipeline id: a lowercase letter, then lowercase letters, digits and _.",
                           "type": "string", "pattern": .string(IdentifierRule.pipeline.pattern), "maxLength": .int(IdentifierRule.pipeline.maxLength)],
            "taskName": ["description": "A task name: a letter or _, then letters, digits, _ and -.",
                         "type": "string", "pattern": .string(IdentifierRule.task.pattern), "maxLength": .int(IdentifierRule.task.maxLength)],
            "name": ["description": "A name that becomes an environment variable name: a letter or _, then letters, digits and _.",
                     "type": "string", "pattern": .string(IdentifierRule.variable.pattern), "maxLength": .int(IdentifierRule.variable.maxLength)],
            "path": ["description": "A path relative to the spec's directory.", "type": "string", "minLength": 1],
            "text": ["description": "Any scalar, read as its text.", "type": ["string", "number", "boolean", "null"]],
            "duration": [
                "description": "A number and a unit (ms, s, m, h, d), or a compound from the largest unit to the smallest: 500ms, 30s, 5m, 2h, 1h30m, 1.5h. A bare number is not a duration.",
                "type": "string",
                "pattern": .string(Self.durationPattern),
                "examples": ["30s", "5m", "1h30m"],
            ],
            "valueType": [
                "description": "An output type: string, int, float, bool, json, file, list[T] or table(col: type, ...) with column types int64, float64, bool, string, date, timestamp. Quote table types: ': ' would start a YAML mapping.",
                "type": "string",
                // Loose on purpose: it only rules out what can never parse;
                // `sluice lint` reports the exact problem inside a type.
                "pattern": #"^[ \t]*(?:string|int|float|bool|json|file|list[ \t]*\[.*\]|table[ \t]*\(.*\))[ \t]*$"#,
                "examples": ["string", "list[string]", "table(date: date, close: float64)"],
            ],
            "columnType": ["description": "A table column type.", "enum": .array(columnTypes.map { .string($0) })],
            "task": [
                "description": "A task. Empty (name: or name: {}) is an empty task.",
                "type": ["object", "null"],
                "additionalProperties": false,
                "properties": Self.properties(SpecParser.taskKeys, taskProperties),
            ],
            "output": [
                "description": "An output with details.",
                "type": "object",
                "required": ["type"],
                "additionalProperties": false,
                "properties": Self.properties(SpecParser.outputKeys, [
                    "type": Self.ref("valueType", "The output's type."),
                    "path": Self.ref("path", "Where a file output lands, relative to the workspace (it may not leave it)."),
                    "description": Self.ref("text", "What the output holds."),
                ]),
            ],
            "check": [
                "description": "One data check: exactly one of unique, not_null, range, accepted_values, rows, and optionally severity.",
                "type": "object",
                "additionalProperties": false,
                "minProperties": 1,
                "properties": Self.properties(SpecParser.checkKeys, [
                    "unique": Self.list(of: "columnName", "No two rows share these columns' values (a composite key).", minItems: 1, nullable: false),
                    "not_null": Self.list(of: "columnName", "No row holds null (or NaN in a float64 column) in these columns.", minItems: 1, nullable: false),
                    "range": [
                        "description": "Every non-null value of the column lies within the inclusive bounds (int64, float64, date, timestamp columns); NaN lies within none.",
                        "type": "object", "required": ["column"], "additionalProperties": false, "minProperties": 2,
                        "properties": ["column": Self.ref("columnName", "The column checked."),
                                       "min": Self.ref("checkValue", "The smallest value allowed."),
                                       "max": Self.ref("checkValue", "The largest value allowed.")],
                    ],
                    "accepted_values": [
                        "description": "Every non-null value of the column is one of these.",
                        "type": "object", "required": ["column", "values"], "additionalProperties": false,
                        "properties": ["column": Self.ref("columnName", "The column checked."),
                                       "values": ["description": "The values allowed.", "type": "array", "minItems": 1, "items": ["$ref": "#/$defs/checkValue"]]],
                    ],
                    "rows": [
                        "description": "The table's row count lies within the inclusive bounds.",
                        "type": "object", "additionalProperties": false, "minProperties": 1,
                        "properties": ["min": ["description": "The fewest rows allowed.", "type": "integer", "minimum": 0],
                                       "max": ["description": "The most rows allowed.", "type": "integer", "minimum": 0]],
                    ],
                    "severity": ["description": "warning: a failing check is recorded and the task still succeeds. Default: error.",
                                 "enum": ["error", "warning"]],
                ]),
            ],
            "columnName": ["description": "A column of the table output.", "type": "string", "minLength": 1],
            "checkValue": ["description": "A value in the column's terms: a number, true/false, text, YYYY-MM-DD or an ISO 8601 timestamp.",
                           "type": ["string", "number", "boolean"]],
            "input": [
                "description": "An expectation on an upstream output.",
                "type": "object",
                "required": ["from"],
                "additionalProperties": false,
                "properties": Self.properties(SpecParser.inputKeys, [
                    "from": ["description": "The output read, as task.output.", "type": "string", "minLength": 1],
                    "type": Self.ref("valueType", "The type the output must have."),
                    "columns": [
                        "description": "Columns the table output must have, by name, with their types.",
                        "type": ["object", "null"],
                        "propertyNames": ["minLength": 1],
                        "additionalProperties": ["$ref": "#/$defs/columnType"],
                    ],
                ]),
            ],
        ]
    }

    /// DurationLiteral's grammar: optional surrounding whitespace, then at
    /// least one `number unit`, units descending, each at most once. The
    /// lookahead keeps an empty string out; `5ms` matches through
    /// backtracking (`5m` then a stray `s` fails, `5ms` succeeds). Digits are
    /// `[0-9]` because Python's `\d` also takes non-ASCII digits.
    static let durationPattern: String = {
        let number = "[0-9]+(?:\\.[0-9]+)?"
        let components = ["d", "h", "m", "s", "ms"].map { "(?:\(number)\($0))?" }.joined()
        return "^\\s*(?=[0-9])" + components + "\\s*$"
    }()
}
