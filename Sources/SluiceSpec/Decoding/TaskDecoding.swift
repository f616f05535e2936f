import SluiceDiagnostics

extension SpecDecoder {
    mutating func decodeTask(_ name: Spanned<String>, _ node: YAMLNode) -> TaskSpec {
        var task = TaskSpec(name: name)
        guard let pairs = reader.mapping(node, "task \"\(name.value)\"") else { return task }
        let known = reader.knownPairs(pairs, allowed: SpecParser.taskKeys, in: "task \"\(name.value)\"")
        task.settings = decodeSettings(known, into: TaskSettings())
        // Built only when a message needs it: most tasks have no problem.
        var context: String { "task \"\(name.value)\"" }
        for (key, value) in known {
            switch key {
            case "run": task.run = reader.scalarNode(value, "\"run\" of \(context)")
            case "needs": task.needs = reader.stringList(value, "\"needs\" of \(context)") ?? []
            case "foreach": task.foreach = value
            case "outputs": task.outputs = decodeOutputs(value, context)
            case "inputs": task.inputs = decodeInputs(value, context)
            case "branch":
                let choices = reader.stringList(value, "\"branch\" of \(context)")
                if choices?.isEmpty == true {
                    reader.sink.emit(.invalidValue, at: value.range, "\"branch\" of \(context) names no choice")
                }
                task.branch = choices
            case "trigger": task.trigger = reader.string(value, "\"trigger\" of \(context)")
            case "env": task.env = decodeEnv(value, context)
            case "deps": task.deps = reader.stringList(value, "\"deps\" of \(context)") ?? []
            case "description": task.description = reader.text(value, "\"description\" of \(context)")
            default: break // settings, decoded above
            }
        }
        return task
    }

    /// Settings shared by `defaults` and tasks; keys that are not settings are skipped.
    mutating func decodeSettings(_ pairs: [(String, YAMLNode)], into base: TaskSettings) -> TaskSettings {
        var settings = base
        for (key, value) in pairs {
            switch key {
            case "retries": settings.retries = reader.int(value, "\"retries\"", minimum: 0)
            case "retry_delay": settings.retryDelay = reader.scalarNode(value, "\"retry_delay\"")
            case "timeout": settings.timeout = reader.scalarNode(value, "\"timeout\"")
            case "pool": settings.pool = reader.string(value, "\"pool\"")
            case "trigger_rule": settings.triggerRule = reader.string(value, "\"trigger_rule\"")
            case "cache": settings.cache = reader.bool(value, "\"cache\"")
            case "retry_backoff":
                guard let text = reader.string(value, "\"retry_backoff\"") else { continue }
                if let backoff = RetryBackoff(rawValue: text.value) {
                    settings.retryBackoff = Spanned(backoff, text.range)
                } else {
                    let suggestion = Spelling.suggestion(for: text.value, among: RetryBackoff.allCases.map(\.rawValue))
                    reader.sink.emit(.invalidValue, at: text.range, "\"retry_backoff\" must be fixed or exponential, not \"\(text.value)\"",
                                     help: suggestion.map { "did you mean \"\($0)\"?" })
                }
            default: break
            }
        }
        return settings
    }

    mutating func decodeOutputs(_ node: YAMLNode, _ context: @autoclosure () -> String) -> [OutputSpec] {
        guard let pairs = reader.mapping(node, "\"outputs\" of \(context())") else { return [] }
        var outputs: [OutputSpec] = []
        for pair in pairs {
            guard let name = reader.string(pair.key, "an output name"), reader.identifier(name, "output name", .variable) else { continue }
            if let pairs = pair.value.mapping {
                let known = reader.knownPairs(pairs, allowed: SpecParser.outputKeys, in: "output \"\(name.value)\"")
                guard let typeNode = known.first(where: { $0.0 == "type" })?.1 else {
                    reader.sink.emit(.missingKey, at: pairs.first?.key.range ?? pair.value.range, "output \"\(name.value)\" needs the key \"type\"")
                    continue
                }
                guard let type = reader.scalarNode(typeNode, "the type of output \"\(name.value)\"") else { continue }
                var output = OutputSpec(name: name, type: type)
                output.path = known.first { $0.0 == "path" }.flatMap { reader.string($0.1, "the path of output \"\(name.value)\"") }
                output.description = known.first { $0.0 == "description" }.flatMap { reader.text($0.1, "the description of output \"\(name.value)\"") }
                outputs.append(output)
            } else if let type = reader.scalarNode(pair.value, "the type of output \"\(name.value)\"") {
                outputs.append(OutputSpec(name: name, type: type))
            }
        }
        return outputs
    }

    mutating func decodeInputs(_ node: YAMLNode, _ context: @autoclosure () -> String) -> [InputSpec] {
        guard let pairs = reader.mapping(node, "\"inputs\" of \(context())") else { return [] }
        var inputs: [InputSpec] = []
        for pair in pairs {
            guard let name = reader.string(pair.key, "an input name"), reader.identifier(name, "input name", .variable) else { continue }
            guard let fields = reader.mapping(pair.value, "input \"\(name.value)\"") else { continue }
            let known = reader.knownPairs(fields, allowed: SpecParser.inputKeys, in: "input \"\(name.value)\"")
            var input = InputSpec(name: name)
            for (key, value) in known {
                switch key {
                case "from": input.from = reader.string(value, "\"from\" of input \"\(name.value)\"")
                case "type": input.type = reader.scalarNode(value, "\"type\" of input \"\(name.value)\"")
                case "columns":
                    for column in reader.mapping(value, "\"columns\" of input \"\(name.value)\"") ?? [] {
                        guard let columnName = reader.string(column.key, "a column name"),
                              let type = reader.scalarNode(column.value, "the type of column \"\(columnName.value)\"") else { continue }
                        input.columns.append((columnName, type))
                    }
                default: break
                }
            }
            if input.from == nil {
                reader.sink.emit(.missingKey, at: fields.first?.key.range ?? pair.value.range, "input \"\(name.value)\" needs the key \"from\"")
            }
            inputs.append(input)
        }
        return inputs
    }

    mutating func decodeEnv(_ node: YAMLNode, _ context: @autoclosure () -> String) -> [EnvEntry] {
        guard let pairs = reader.mapping(node, "\"env\" of \(context())") else { return [] }
        var entries: [EnvEntry] = []
        for pair in pairs {
            guard let name = reader.string(pair.key, "an environment variable name"),
                  reader.identifier(name, "environment variable name", .variable) else { continue }
            guard reader.scalarNode(pair.value, "env \"\(name.value)\"") != nil else { continue }
            entries.append(EnvEntry(name: name, value: pair.value))
        }
        return entries
    }
}
