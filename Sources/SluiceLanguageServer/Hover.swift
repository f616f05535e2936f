import SluiceCompiler
import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// Markdown for what is under the cursor: the symbol (an output's type and
/// producer, a param's value and origin, a task's summary) and the manual
/// entry of every diagnostic there.
enum Hover {
    static func valueText(_ entry: ParamEntry) -> String {
        let text = entry.json.compact()
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    static func where_(_ file: String, _ range: SourceRange) -> String {
        "\(file):\(range.start.line):\(range.start.column)"
    }

    static func symbol(_ symbol: Symbol, _ analysis: Analysis) -> String? {
        guard let checked = analysis.checked else { return nil }
        let spec = checked.spec
        switch symbol {
        case .task(let name):
            guard let index = checked.graph.index[name], index < spec.tasks.count else { return nil }
            let task = spec.tasks[index]
            var lines = ["**task** `\(name)`"]
            if let description = task.description?.value { lines += ["", description] }
            lines.append("")
            lines.append("- needs: " + (task.needs.isEmpty ? "nothing" : task.needs.map { "`\($0.value)`" }.joined(separator: ", ")))
            let outputs = index < checked.contracts.outputs.count ? checked.contracts.outputs[index] : []
            lines.append("- outputs: " + (outputs.isEmpty ? "none" : outputs.map { "`\($0.name)`: `\(typeText($0))`" }.joined(separator: ", ")))
            let rule = task.settings.triggerRule?.value ?? spec.defaults.triggerRule?.value ?? TriggerRule.allSuccess.rawValue
            lines.append("- trigger rule: `\(rule)`")
            if let branch = task.branch { lines.append("- branches to: " + branch.map { "`\($0.value)`" }.joined(separator: ", ")) }
            if let trigger = task.trigger { lines.append("- triggers pipeline `\(trigger.value)`") }
            if task.foreach != nil { lines.append("- mapped over `foreach`: one attempt per item") }
            return lines.joined(separator: "\n")
        case .output(let task, let name):
            guard let index = checked.graph.index[task], index < checked.contracts.outputs.count else { return nil }
            let producer = spec.tasks[index]
            if name == "branch", producer.branch != nil {
                return "**output** `\(task).branch`: `string`\n\nthe branch choice task `\(task)` wrote"
            }
            guard let output = checked.contracts.outputs[index].first(where: { $0.name == name }) else { return nil }
            var text = "**output** `\(task).\(name)`: `\(typeText(output))`\n\nproduced by task `\(task)` (\(where_(spec.file, output.spec.name.range)))"
            if producer.foreach != nil { text += "; the task is mapped, so a reader gets a list" }
            if let description = output.spec.description?.value { text += "\n\n" + description }
            return text
        case .param(let path):
            guard case .found(let entry) = checked.contracts.params.lookup(path) else { return nil }
            let origin = entry.file == spec.file ? "inline `params`" : "params_file `\(entry.file)`"
            return "**param** `params.\(path.joined(separator: "."))` = `\(valueText(entry))`\n\nset in \(origin) (\(where_(entry.file, entry.range)))"
        case .pool(let name):
            guard let pool = spec.pools.first(where: { $0.name.value == name }) else { return nil }
            let users = spec.tasks.filter { ($0.settings.pool ?? spec.defaults.pool)?.value == name }.map(\.name.value)
            return "**pool** `\(name)`: \(pool.slots.value) slot\(pool.slots.value == 1 ? "" : "s")"
                + (users.isEmpty ? "" : "\n\nused by: " + users.prefix(20).map { "`\($0)`" }.joined(separator: ", ") + (users.count > 20 ? " …" : ""))
        case .pipeline(let id):
            guard let entry = analysis.result.pipelines.resolve(id, from: analysis.path) else { return nil }
            var text = "**pipeline** `\(id)` (\(entry.file))"
            if let description = entry.spec.description?.value { text += "\n\n" + description }
            return text
        }
    }

    static func typeText(_ output: DeclaredOutput) -> String {
        output.parsedType?.description ?? output.spec.type.scalar?.text ?? "?"
    }

    /// The manual entry of a rule: what it catches and why it matters.
    static func rule(_ diagnostic: Diagnostic) -> String {
        var text = "**\(diagnostic.rule.id)** (\(diagnostic.severity.rawValue)): \(diagnostic.rule.summary)"
        if let doc = RuleDoc.doc(for: diagnostic.rule) {
            text += "\n\n" + doc.catches + "\n\n" + doc.why
        }
        if diagnostic.rule.defaultSeverity != .error {
            text += "\n\nSilence it here with `# sluice: ignore[\(diagnostic.rule.id)]`."
        }
        return text
    }
}

extension LanguageServer {
    func hover(_ params: JSON) -> JSON {
        guard let (analysis, location) = target(params) else { return .null }
        var parts: [String] = []
        var range: SourceRange?
        if let here = analysis.occurrence(at: location), let text = Hover.symbol(here.symbol, analysis) {
            parts.append(text)
            range = here.range
        }
        let diagnostics = analysis.result.diagnostics.filter { $0.file == analysis.path && $0.range.touches(location) }
        for diagnostic in diagnostics {
            parts.append(Hover.rule(diagnostic))
            range = range ?? diagnostic.range
        }
        guard !parts.isEmpty else { return .null }
        var members: [(String, JSON)] = [("contents", .object([("kind", .string("markdown")), ("value", .string(parts.joined(separator: "\n\n---\n\n")))]))]
        if let range { members.append(("range", analysis.positions.range(range))) }
        return .object(members)
    }
}
