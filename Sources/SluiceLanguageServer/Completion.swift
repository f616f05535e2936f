import Foundation
import SluiceCompiler
import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// The keys each kind of mapping accepts, in the spec's order, with the
/// descriptions `sluice schema` gives them (one source for both).
struct KeyDocs {
    enum Place { case topLevel, defaults, task, output, input, trigger }

    private var keys: [Place: [(name: String, doc: String)]] = [:]

    init(_ schema: SpecSchema) {
        let document = (try? JSON.parse(schema.rendered())) ?? .null
        func described(_ names: [String], _ properties: JSON?) -> [(name: String, doc: String)] {
            names.map { ($0, properties?[$0]?["description"]?.stringValue ?? "") }
        }
        keys[.topLevel] = described(SpecParser.topLevelKeys.names, document["properties"])
        keys[.defaults] = described(SpecParser.defaultsKeys.names, document["properties"]?["defaults"]?["properties"])
        keys[.task] = described(SpecParser.taskKeys.names, document["$defs"]?["task"]?["properties"])
        keys[.output] = described(SpecParser.outputKeys.names, document["$defs"]?["output"]?["properties"])
        keys[.input] = described(SpecParser.inputKeys.names, document["$defs"]?["input"]?["properties"])
        keys[.trigger] = described(SpecParser.triggerKeys.names, document["$defs"]?["trigger"]?["properties"])
    }

    func keys(_ place: Place) -> [(name: String, doc: String)] { keys[place] ?? [] }

    func doc(_ key: String, _ place: Place) -> String? {
        keys(place).first { $0.name == key }?.doc
    }
}

/// What the text before the cursor asks for. Read from the line text
/// rather than the syntax tree: while typing, the line is usually not yet
/// valid YAML, and the tree has nothing at the cursor.
enum CompletionContext: Equatable {
    /// Inside `{{ ... }}`: the dotted segments typed before the last one.
    case reference(parents: [String])
    /// After `key:` (or in a list under it): a value for `key`, whose
    /// enclosing keys are `ancestors` (outermost first).
    case value(key: String, ancestors: [String])
    /// At the start of a line: a key of the mapping `ancestors` opens.
    case key(ancestors: [String])
    case none

    static func at(_ location: SourceLocation, in positions: PositionMap) -> CompletionContext {
        let before = positions.prefix(line: location.line, column: location.column)
        if let open = before.range(of: "{{", options: .backwards), !before[open.upperBound...].contains("}}") {
            let expression = before[open.upperBound...].drop { $0 == " " }
            guard expression.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else { return .none }
            return .reference(parents: expression.split(separator: ".", omittingEmptySubsequences: false).dropLast().map(String.init))
        }
        // A comment is not completed.
        if before.contains(" #") || before.hasPrefix("#") { return .none }
        let indent = before.prefix { $0 == " " }.count
        let ancestors = Self.ancestors(above: location.line, indent: indent, positions)
        let content = before.dropFirst(indent)
        if let (key, _) = Self.key(of: content) {
            return .value(key: key, ancestors: ancestors)
        }
        if content.hasPrefix("-") {
            // A block list item: the value of the key that opens the list.
            guard let parent = ancestors.last else { return .none }
            return .value(key: parent, ancestors: Array(ancestors.dropLast()))
        }
        guard content.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else { return .none }
        return .key(ancestors: ancestors)
    }

    /// `key:` at the start of `content` (after an optional `- `), and what follows it.
    static func key(of content: Substring) -> (String, Substring)? {
        var rest = content
        if rest.hasPrefix("- ") { rest = rest.dropFirst(2).drop { $0 == " " } }
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "\"" || $0 == "'" }
        let after = rest.dropFirst(name.count).drop { $0 == " " }
        guard !name.isEmpty, after.hasPrefix(":") else { return nil }
        let key = name.filter { $0 != "\"" && $0 != "'" }
        return (String(key), after.dropFirst())
    }

    /// The keys of the mappings enclosing a line, outermost first, from the
    /// lines above it with less indentation.
    static func ancestors(above line: Int, indent: Int, _ positions: PositionMap) -> [String] {
        var found: [String] = []
        var limit = indent
        var number = line - 1
        while number >= 1, limit > 0 {
            defer { number -= 1 }
            guard let text = positions.line(number) else { continue }
            let lead = text.prefix { $0 == " " }.count
            let content = text.dropFirst(lead)
            guard !content.isEmpty, !content.hasPrefix("#"), lead < limit else { continue }
            // `- name: x` as a list item opens a mapping indented past the dash.
            guard let (key, _) = Self.key(of: content) else {
                if content.hasPrefix("-") { limit = lead }
                continue
            }
            found.append(key)
            limit = lead
        }
        return found.reversed()
    }
}

extension LanguageServer {
    func completion(_ params: JSON) -> JSON {
        guard let uri = params["textDocument"]?["uri"]?.stringValue, let position = LSPPosition(params["position"]),
              let document = openDocuments[DocumentURI.path(uri)] else { return .null }
        // The text on screen decides the context; the last analysis (possibly
        // of a slightly older text with errors) supplies the names.
        let positions = PositionMap(document.text)
        let context = CompletionContext.at(positions.location(position), in: positions)
        let analysis = currentAnalysis(document.path)
        return .object([("isIncomplete", .bool(false)), ("items", .array(items(context, analysis).map(\.json)))])
    }

    struct Item {
        var label: String
        var kind: Int64
        var detail: String?
        var doc: String?

        var json: JSON {
            var members: [(String, JSON)] = [("label", .string(label)), ("kind", .int(kind))]
            if let detail { members.append(("detail", .string(detail))) }
            if let doc, !doc.isEmpty { members.append(("documentation", .object([("kind", .string("markdown")), ("value", .string(doc))]))) }
            return .object(members)
        }
    }

    // LSP CompletionItemKind values.
    private static let property: Int64 = 10, function: Int64 = 3, field: Int64 = 5, variable: Int64 = 6
    private static let enumMember: Int64 = 20, module: Int64 = 9, value: Int64 = 12

    func items(_ context: CompletionContext, _ analysis: Analysis?) -> [Item] {
        let spec = analysis?.spec
        let taskItems = (spec?.tasks ?? []).map { task in
            Item(label: task.name.value, kind: Self.function, detail: "task", doc: task.description?.value)
        }
        switch context {
        case .none:
            return []
        case .key(let ancestors):
            let place: KeyDocs.Place
            switch ancestors.count {
            case 0: place = .topLevel
            case 1 where ancestors[0] == "defaults": place = .defaults
            case 2 where ancestors[0] == "tasks": place = .task
            case 4 where ancestors[0] == "tasks" && ancestors[2] == "outputs": place = .output
            case 4 where ancestors[0] == "tasks" && ancestors[2] == "inputs": place = .input
            case 3 where ancestors[0] == "tasks" && ancestors[2] == "trigger": place = .trigger
            default: return []
            }
            return keyDocs.keys(place).map { Item(label: $0.name, kind: Self.property, detail: "key", doc: $0.doc) }
        case .value(let key, let ancestors):
            let inTask = ancestors.first == "tasks" && ancestors.count == 2
            switch key {
            case "needs" where inTask, "branch" where inTask:
                return taskItems.filter { $0.label != ancestors.last }
            case "pool":
                return (spec?.pools ?? []).map { Item(label: $0.name.value, kind: Self.value, detail: "pool, \($0.slots.value) slots", doc: nil) }
            case "trigger_rule":
                return TriggerRule.allCases.map { Item(label: $0.rawValue, kind: Self.enumMember, detail: "trigger rule", doc: nil) }
            case "retry_backoff":
                return RetryBackoff.allCases.map { Item(label: $0.rawValue, kind: Self.enumMember, detail: "retry backoff", doc: nil) }
            case "cache":
                return ["true", "false"].map { Item(label: $0, kind: Self.value, detail: nil, doc: nil) }
            case "trigger" where inTask, "pipeline" where ancestors.count == 3 && ancestors[0] == "tasks" && ancestors[2] == "trigger":
                guard let analysis else { return [] }
                let own = spec?.pipeline?.value
                return analysis.result.pipelines.visibleIDs(from: analysis.path).filter { $0 != own }.map { id in
                    Item(label: id, kind: Self.module, detail: analysis.result.pipelines.resolve(id, from: analysis.path)?.file, doc: nil)
                }
            case "type" where ancestors.count == 4 && ancestors[0] == "tasks", "type" where ancestors.count == 5:
                return Self.typeItems
            case "from" where ancestors.count == 4 && ancestors[2] == "inputs":
                return (spec?.tasks ?? []).flatMap { task in
                    task.outputs.map { Item(label: "\(task.name.value).\($0.name.value)", kind: Self.field, detail: $0.type.scalar?.text, doc: nil) }
                }
            default:
                // `name: type` under `outputs`.
                if ancestors.count == 3 && ancestors[0] == "tasks" && ancestors[2] == "outputs" { return Self.typeItems }
                return []
            }
        case .reference(let parents):
            guard let first = parents.first else {
                let roots = ["params", "item", "index", "run"].map { Item(label: $0, kind: Self.variable, detail: nil, doc: nil) }
                return taskItems + roots
            }
            if first == "params" {
                guard let members = paramMembers(Array(parents.dropFirst()), analysis) else { return [] }
                return members.map { Item(label: $0.key, kind: Self.variable, detail: Hover.valueText($0.entry), doc: "set in `\($0.entry.file)`") }
            }
            if first == "run", parents.count == 1 {
                return [Item(label: "id", kind: Self.field, detail: "string", doc: "The run's id."),
                        Item(label: "date", kind: Self.field, detail: "string", doc: "The run's logical date, YYYY-MM-DD.")]
            }
            guard parents.count == 1, let task = spec?.task(named: first) else { return [] }
            var outputs = task.outputs.map { Item(label: $0.name.value, kind: Self.field, detail: $0.type.scalar?.text, doc: $0.description?.value) }
            if task.branch != nil { outputs.append(Item(label: "branch", kind: Self.field, detail: "string", doc: "The branch choice the task wrote.")) }
            return outputs
        }
    }

    private static var typeItems: [Item] {
        (ValueType.scalarNames + ["list[int]", "table()"]).map { Item(label: $0, kind: Self.enumMember, detail: "type", doc: nil) }
    }

    /// The members of the params section at `path` (the root for `[]`).
    private func paramMembers(_ path: [String], _ analysis: Analysis?) -> [(key: String, entry: ParamEntry)]? {
        guard let params = analysis?.checked?.contracts.params else { return nil }
        guard !path.isEmpty else { return params.root }
        guard case .found(let entry) = params.lookup(path) else { return nil }
        switch entry.value {
        case .map(let members): return members
        case .list(let items): return items.enumerated().map { (key: String($0.offset), entry: $0.element) }
        case .scalar: return nil
        }
    }
}
