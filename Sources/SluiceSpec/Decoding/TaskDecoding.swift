import SluiceDiagnostics

/// Keys that may carry a task setting: `defaults`' own keys, and a task's.
protocol SettingCarrier: SpecKey {
    var setting: SettingKey? { get }
}

extension SettingKey: SettingCarrier {
    var setting: SettingKey? { self }
}

extension TaskKey: SettingCarrier {}

/// Task-level decoding needs only the reader, so a task is decoded in place,
/// inside the spec's task list, rather than built aside and copied in.
extension ValueReader {
    mutating func decodeTask(into task: inout TaskSpec, _ node: NodeRef) {
        // The name alone (a `String`), not its `Spanned`: message closures
        // capture it, and copying a `Spanned` costs several times as much.
        let name = task.name.value
        guard let pairs = mapping(node, "task \"\(name)\"") else { return }
        withUnsafeTemporaryAllocation(of: KnownPair<TaskKey>.self, capacity: pairs.count) { buffer in
            let known = UnsafeMutableBufferPointer(rebasing: buffer[..<collectKnownPairs(pairs, into: buffer, in: "task \"\(name)\"")])
            decodeSettings(into: &task.settings, known)
            for pair in known { decodeField(pair.key, pair.value, of: &task, named: name) }
        }
    }

    mutating func decodeField(_ key: TaskKey, _ value: NodeRef, of task: inout TaskSpec, named name: String) {
        // Built only when a message needs it: most tasks have no problem.
        var context: String { "task \"\(name)\"" }
        switch key {
        case .run: task.run = scalarNode(value, "\"run\" of \(context)")
        case .needs: task.needs = stringList(value, "\"needs\" of \(context)") ?? []
        case .foreach: task.foreach = tree(value)
        case .label: task.label = scalarNode(value, "\"label\" of \(context)")
        case .outputs: task.outputs = decodeOutputs(value, context)
        case .inputs: task.inputs = decodeInputs(value, context)
        case .branch:
            let choices = stringList(value, "\"branch\" of \(context)")
            if choices?.isEmpty == true {
                sink.emit(.invalidValue, at: range(value), "\"branch\" of \(context) names no choice")
            }
            task.branch = choices
        case .trigger: decodeTrigger(value, into: &task, context)
        case .env: task.env = decodeEnv(value, context)
        case .deps: task.deps = stringList(value, "\"deps\" of \(context)") ?? []
        case .description: task.description = text(value, "\"description\" of \(context)")
        case .checks: task.checks = decodeChecks(value, context)
        case .triggerRule, .retries, .retryDelay, .retryBackoff, .timeout, .pool, .cache: break // settings, decoded apart
        }
    }

    /// Settings shared by `defaults` and tasks; keys that are not settings are skipped.
    mutating func decodeSettings<Key: SettingCarrier>(into settings: inout TaskSettings, _ pairs: UnsafeMutableBufferPointer<KnownPair<Key>>) {
        for pair in pairs {
            guard let key = pair.key.setting else { continue }
            let value = pair.value
            switch key {
            case .retries: settings.retries = int(value, "\"retries\"", minimum: 0)
            case .retryDelay: settings.retryDelay = scalarNode(value, "\"retry_delay\"")
            case .timeout: settings.timeout = scalarNode(value, "\"timeout\"")
            case .pool: settings.pool = string(value, "\"pool\"")
            case .triggerRule: settings.triggerRule = string(value, "\"trigger_rule\"")
            case .cache: settings.cache = bool(value, "\"cache\"")
            case .retryBackoff:
                guard let text = string(value, "\"retry_backoff\"") else { continue }
                if let backoff = RetryBackoff(rawValue: text.value) {
                    settings.retryBackoff = Spanned(backoff, text.range)
                } else {
                    let suggestion = Spelling.suggestion(for: text.value, among: RetryBackoff.allCases.map(\.rawValue))
                    sink.emit(.invalidValue, at: text.range, "\"retry_backoff\" must be fixed or exponential, not \"\(text.value)\"",
                                     help: suggestion.map { "did you mean \"\($0)\"?" })
                }
            }
        }
    }

    mutating func decodeOutputs(_ node: NodeRef, _ context: @autoclosure () -> String) -> [OutputSpec] {
        guard let pairs = mapping(node, "\"outputs\" of \(context())") else { return [] }
        var outputs: [OutputSpec] = []
        outputs.reserveCapacity(pairs.count)
        for pair in pairs {
            guard let name = string(pair.key, "an output name"), identifier(name, "output name", .variable) else { continue }
            if tape.kind(pair.value) == .mapping {
                if let output = decodeOutput(name, fields: tape.pairs(pair.value), at: pair.value) { outputs.append(output) }
            } else if let type = scalarNode(pair.value, "the type of output \"\(name.value)\"") {
                outputs.append(OutputSpec(name: name, type: type))
            }
        }
        return outputs
    }

    /// The long form, `name: { type: file, path: ... }`.
    mutating func decodeOutput(_ name: Spanned<String>, fields: PairSequence, at node: NodeRef) -> OutputSpec? {
        reportUnknownKeys(fields, OutputKey.self, in: "output \"\(name.value)\"")
        guard let typeNode = value(of: OutputKey.type, in: fields) else {
            sink.emit(.missingKey, at: fields.first.map { range($0.key) } ?? range(node),
                             "output \"\(name.value)\" needs the key \"type\"")
            return nil
        }
        guard let type = scalarNode(typeNode, "the type of output \"\(name.value)\"") else { return nil }
        var output = OutputSpec(name: name, type: type)
        output.path = value(of: OutputKey.path, in: fields).flatMap { string($0, "the path of output \"\(name.value)\"") }
        output.description = value(of: OutputKey.description, in: fields).flatMap { text($0, "the description of output \"\(name.value)\"") }
        return output
    }

    mutating func decodeInputs(_ node: NodeRef, _ context: @autoclosure () -> String) -> [InputSpec] {
        guard let pairs = mapping(node, "\"inputs\" of \(context())") else { return [] }
        var inputs: [InputSpec] = []
        inputs.reserveCapacity(pairs.count)
        for pair in pairs {
            guard let name = string(pair.key, "an input name"), identifier(name, "input name", .variable) else { continue }
            guard let fields = mapping(pair.value, "input \"\(name.value)\"") else { continue }
            reportUnknownKeys(fields, InputKey.self, in: "input \"\(name.value)\"")
            var input = InputSpec(name: name)
            for field in fields {
                guard let key = self.key(field.key, as: InputKey.self) else { continue }
                switch key {
                case .from: input.from = string(field.value, "\"from\" of input \"\(name.value)\"")
                case .type: input.type = scalarNode(field.value, "\"type\" of input \"\(name.value)\"")
                case .columns: input.columns += decodeColumns(field.value, of: name)
                }
            }
            if input.from == nil {
                sink.emit(.missingKey, at: fields.first.map { range($0.key) } ?? range(pair.value),
                                 "input \"\(name.value)\" needs the key \"from\"")
            }
            inputs.append(input)
        }
        return inputs
    }

    mutating func decodeColumns(_ node: NodeRef, of input: Spanned<String>) -> [(name: Spanned<String>, type: YAMLNode)] {
        guard let pairs = mapping(node, "\"columns\" of input \"\(input.value)\"") else { return [] }
        var columns: [(name: Spanned<String>, type: YAMLNode)] = []
        for column in pairs {
            guard let columnName = string(column.key, "a column name"),
                  let type = scalarNode(column.value, "the type of column \"\(columnName.value)\"") else { continue }
            columns.append((columnName, type))
        }
        return columns
    }

    /// `trigger: NAME`, or `trigger: { pipeline: NAME, params: { "dotted.path": value } }`.
    mutating func decodeTrigger(_ node: NodeRef, into task: inout TaskSpec, _ context: @autoclosure () -> String) {
        guard tape.kind(node) == .mapping else {
            task.trigger = string(node, "\"trigger\" of \(context())")
            return
        }
        let fields = tape.pairs(node)
        reportUnknownKeys(fields, TriggerKey.self, in: "\"trigger\" of \(context())")
        guard let pipeline = value(of: TriggerKey.pipeline, in: fields) else {
            sink.emit(.missingKey, at: fields.first.map { range($0.key) } ?? range(node),
                      "\"trigger\" of \(context()) needs the key \"pipeline\"")
            return
        }
        task.trigger = string(pipeline, "\"pipeline\" of the trigger of \(context())")
        guard let params = value(of: TriggerKey.params, in: fields),
              let pairs = mapping(params, "\"params\" of the trigger of \(context())") else { return }
        for pair in pairs {
            guard let path = string(pair.key, "a trigger param path") else { continue }
            let segments = path.value.split(separator: ".", omittingEmptySubsequences: false)
            if segments.contains(where: \.isEmpty) {
                sink.emit(.invalidValue, at: path.range, "trigger param \"\(path.value)\" of \(context()) has an empty name in its dotted path")
                continue
            }
            guard let value = scalarNode(pair.value, "trigger param \"\(path.value)\" of \(context())") else { continue }
            task.triggerParams.append(TriggerParamSpec(path: path, value: value))
        }
    }

    mutating func decodeEnv(_ node: NodeRef, _ context: @autoclosure () -> String) -> [EnvEntry] {
        guard let pairs = mapping(node, "\"env\" of \(context())") else { return [] }
        var entries: [EnvEntry] = []
        entries.reserveCapacity(pairs.count)
        for pair in pairs {
            guard let name = string(pair.key, "an environment variable name"),
                  identifier(name, "environment variable name", .variable) else { continue }
            guard let value = scalarNode(pair.value, "env \"\(name.value)\"") else { continue }
            entries.append(EnvEntry(name: name, value: value))
        }
        return entries
    }
}
