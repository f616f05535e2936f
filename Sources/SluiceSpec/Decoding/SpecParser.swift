import SluiceDiagnostics

/// Text → `PipelineSpec` + diagnostics. Never throws and never stops at the
/// first problem: a bad key or value is reported and the rest still decodes.
public enum SpecParser {
    /// Names a task may not take: they are the roots of `{{ }}` references.
    public static let reservedTaskNames: Set<String> = ["params", "item", "index", "run"]

    public static let topLevelKeys: KeySet = KeySet([
        "pipeline", "description", "schedule", "workdir", "params_file", "params", "defaults",
        "max_active_tasks", "pools", "env_file", "secrets", "tasks",
    ])
    public static let defaultsKeys = KeySet(["retries", "retry_delay", "retry_backoff", "timeout", "pool", "trigger_rule", "cache"])
    public static let outputKeys = KeySet(["type", "path", "description"])
    public static let inputKeys = KeySet(["from", "type", "columns"])
    public static let taskKeys = KeySet([
        "run", "needs", "foreach", "outputs", "inputs", "branch", "trigger", "trigger_rule", "retries",
        "retry_delay", "retry_backoff", "timeout", "pool", "env", "deps", "cache", "description",
    ])

    public static func parse(_ text: String, file: String, limits: YAMLLimits = YAMLLimits()) -> (spec: PipelineSpec, diagnostics: [Diagnostic]) {
        let document = YAMLParser.parse(text, file: file, limits: limits)
        var decoder = SpecDecoder(spec: PipelineSpec(file: file, source: SourceText(text)), reader: ValueReader(sink: DiagnosticSink(file: file)))
        decoder.spec.root = document.root
        let syntaxFailed = document.diagnostics.contains { $0.rule == .yamlSyntax && $0.severity == .error } && document.root == nil
        if !syntaxFailed { decoder.decodeRoot(document.root) }
        let syntax = document.diagnostics.map { explainUnquotedTableType($0, decoder.spec.source) }
        return (decoder.spec, syntax + decoder.reader.sink.diagnostics)
    }

    /// `out: table(a: int64)` is not valid YAML (`: ` inside a plain scalar
    /// starts a mapping), and DESIGN.md's own example once wrote it so.
    /// libyaml's message says nothing useful about it; the help line does.
    static func explainUnquotedTableType(_ diagnostic: Diagnostic, _ source: SourceText) -> Diagnostic {
        guard diagnostic.rule == .yamlSyntax, diagnostic.help == nil,
              let line = source.line(diagnostic.range.start.line), line.contains("table("),
              !line.contains("\"table("), !line.contains("'table(") else { return diagnostic }
        var explained = diagnostic
        explained.help = "quote table types: \"table(col: type, ...)\""
        return explained
    }
}

struct SpecDecoder {
    var spec: PipelineSpec
    var reader: ValueReader

    mutating func decodeRoot(_ root: YAMLNode?) {
        let start = SourceRange(at: SourceLocation(line: 1, column: 1))
        guard let root, !reader.isNull(root) else {
            reader.sink.emit(.missingKey, at: start, "the file is empty: a pipeline spec needs the keys \"pipeline\" and \"tasks\"")
            return
        }
        guard let pairs = root.mapping else {
            reader.sink.emit(.invalidValue, at: root.range, "a pipeline spec must be a mapping, not \(root.kindDescription)")
            return
        }
        let known = reader.knownPairs(pairs, allowed: SpecParser.topLevelKeys, in: "the pipeline")
        for (key, value) in known { decodeTopLevel(key, value) }
        reportMissing(["pipeline", "tasks"], in: pairs, mapping: root, context: "a pipeline spec")
    }

    mutating func reportMissing(_ required: [String], in pairs: [YAMLPair], mapping: YAMLNode, context: String) {
        let present = Set(pairs.compactMap { $0.key.keyText })
        let at = pairs.first?.key.range ?? mapping.range
        for key in required where !present.contains(key) {
            reader.sink.emit(.missingKey, at: at, "\(context) needs the key \"\(key)\"")
        }
    }

    mutating func decodeTopLevel(_ key: String, _ value: YAMLNode) {
        switch key {
        case "pipeline":
            if let id = reader.string(value, "\"pipeline\""), reader.identifier(id, "pipeline id", .pipeline) { spec.pipeline = id }
        case "description": spec.description = reader.text(value, "\"description\"")
        case "schedule": spec.schedule = reader.isNull(value) ? nil : reader.scalarNode(value, "\"schedule\"")
        case "workdir": spec.workdir = reader.string(value, "\"workdir\"")
        case "params_file": spec.paramsFile = reader.string(value, "\"params_file\"")
        case "params": if reader.mapping(value, "\"params\"") != nil { spec.params = value }
        case "defaults":
            if let pairs = reader.mapping(value, "\"defaults\"") {
                spec.defaults = decodeSettings(reader.knownPairs(pairs, allowed: SpecParser.defaultsKeys, in: "\"defaults\""), into: TaskSettings())
            }
        case "max_active_tasks": spec.maxActiveTasks = reader.int(value, "\"max_active_tasks\"", minimum: 1)
        case "pools": decodePools(value)
        case "env_file": spec.envFile = reader.string(value, "\"env_file\"")
        case "secrets": decodeSecrets(value)
        case "tasks": decodeTasks(value)
        default: break
        }
    }

    mutating func decodePools(_ node: YAMLNode) {
        guard let pairs = reader.mapping(node, "\"pools\"") else { return }
        for pair in pairs {
            guard let name = reader.string(pair.key, "a pool name") else { continue }
            guard reader.identifier(name, "pool name", .variable) else { continue }
            if let slots = reader.int(pair.value, "pool \"\(name.value)\" slots", minimum: 1) {
                spec.pools.append(PoolSpec(name: name, slots: slots))
            }
        }
    }

    /// `secrets: [NAME, ...]`; the mapping form `{NAME: value}` is read too so
    /// the checker can flag the literal value instead of failing on the shape.
    mutating func decodeSecrets(_ node: YAMLNode) {
        if let pairs = node.mapping {
            for pair in pairs {
                guard let name = reader.string(pair.key, "a secret name"), reader.identifier(name, "secret name", .variable) else { continue }
                spec.secrets.append(SecretSpec(name: name, literal: reader.isNull(pair.value) ? nil : pair.value))
            }
            return
        }
        for name in reader.stringList(node, "\"secrets\"") ?? [] where reader.identifier(name, "secret name", .variable) {
            spec.secrets.append(SecretSpec(name: name, literal: nil))
        }
    }

    mutating func decodeTasks(_ node: YAMLNode) {
        guard let pairs = node.mapping else {
            reader.sink.emit(.invalidValue, at: node.range, "\"tasks\" must be a mapping of task names to tasks, not \(node.kindDescription)")
            return
        }
        if pairs.isEmpty {
            reader.sink.emit(.invalidValue, at: node.range, "\"tasks\" is empty: a pipeline needs at least one task")
        }
        for pair in pairs {
            guard let name = reader.string(pair.key, "a task name"), reader.identifier(name, "task name", .task) else { continue }
            if SpecParser.reservedTaskNames.contains(name.value) {
                reader.sink.emit(.invalidValue, at: name.range, "task name \"\(name.value)\" is reserved",
                                 notes: ["params, item, index and run are the roots of {{ }} references"])
                continue
            }
            spec.tasks.append(decodeTask(name, pair.value))
        }
    }
}
