import SluiceDiagnostics

/// `checks:` of a task (DESIGN.md): per output, a list of checks, each a
/// mapping with one check key and an optional `severity`. Only the shape is
/// checked here; columns and values are checked against the table's declared
/// type by the compiler (`unknown-column`, `invalid-check`).
extension ValueReader {
    mutating func decodeChecks(_ node: NodeRef, _ context: @autoclosure () -> String) -> [OutputChecksSpec] {
        guard let pairs = mapping(node, "\"checks\" of \(context())") else { return [] }
        var result: [OutputChecksSpec] = []
        for pair in pairs {
            guard let output = string(pair.key, "an output name in \"checks\"") else { continue }
            var checks: [CheckSpec] = []
            if tape.kind(pair.value) == .sequence {
                for item in tape.items(pair.value) {
                    if let check = decodeCheck(item, output: output.value) { checks.append(check) }
                }
            } else if !isNull(pair.value) {
                sink.emit(.invalidValue, at: range(pair.value),
                          "the checks of output \"\(output.value)\" must be a list, not \(kindDescription(pair.value))",
                          help: "write one entry per check, e.g. - unique: [id]")
            }
            result.append(OutputChecksSpec(output: output, checks: checks))
        }
        return result
    }

    private mutating func decodeCheck(_ node: NodeRef, output: String) -> CheckSpec? {
        var what: String { "a check of output \"\(output)\"" }
        guard tape.kind(node) == .mapping else {
            sink.emit(.invalidValue, at: range(node), "\(what) must be a mapping such as { not_null: [id] }, not \(kindDescription(node))")
            return nil
        }
        let fields = tape.pairs(node)
        reportUnknownKeys(fields, CheckKey.self, in: what)
        var check: CheckSpec?
        var severity: Spanned<String>?
        for field in fields {
            guard let key = self.key(field.key, as: CheckKey.self) else { continue }
            if key == .severity {
                severity = decodeSeverity(field.value, what)
                continue
            }
            let name = Spanned(string(of: field.key), range(field.key))
            if let first = check {
                sink.emit(.invalidValue, at: name.range, "\(what) names two checks, \"\(first.kind.value)\" and \"\(name.value)\"",
                          help: "give each check its own entry in the list")
                continue
            }
            check = decodeCheckBody(key, name, field.value)
        }
        guard var check else {
            if !fields.contains(where: { self.key($0.key, as: CheckKey.self).map { $0 != .severity } ?? true }) {
                let kinds = CheckKey.allCases.filter { $0 != .severity }.map(\.rawValue).joined(separator: ", ")
                sink.emit(.missingKey, at: range(node), "\(what) names no check", notes: ["checks: \(kinds)"])
            }
            return nil
        }
        check.severity = severity
        return check
    }

    private mutating func decodeSeverity(_ node: NodeRef, _ what: @autoclosure () -> String) -> Spanned<String>? {
        guard let text = string(node, "\"severity\" of \(what())") else { return nil }
        guard text.value == "warning" || text.value == "error" else {
            sink.emit(.invalidValue, at: text.range, "\"severity\" of \(what()) must be warning or error, not \"\(text.value)\"",
                      help: Spelling.suggestion(for: text.value, among: ["warning", "error"]).map { "did you mean \"\($0)\"?" })
            return nil
        }
        return text
    }

    /// The value under the check's key; nil (and diagnosed) when it is malformed.
    private mutating func decodeCheckBody(_ key: CheckKey, _ name: Spanned<String>, _ body: NodeRef) -> CheckSpec? {
        var check = CheckSpec(kind: name)
        let what = "\"\(name.value)\""
        switch key {
        case .unique, .notNull:
            guard let columns = stringList(body, what) else { return nil }
            guard !columns.isEmpty else {
                sink.emit(.invalidValue, at: range(body), "\(what) names no column")
                return nil
            }
            check.columns = columns
        case .range:
            guard let fields = mapping(body, what) else { return nil }
            reportUnknownKeys(fields, RangeKey.self, in: what)
            guard let column = requiredColumn(fields, what, at: body) else { return nil }
            check.columns = [column]
            check.min = value(of: RangeKey.min, in: fields).flatMap { scalarNode($0, "\"min\" of \(what)") }
            check.max = value(of: RangeKey.max, in: fields).flatMap { scalarNode($0, "\"max\" of \(what)") }
            guard check.min != nil || check.max != nil else {
                sink.emit(.missingKey, at: range(body), "\(what) needs \"min\", \"max\" or both")
                return nil
            }
        case .acceptedValues:
            guard let fields = mapping(body, what) else { return nil }
            reportUnknownKeys(fields, AcceptedValuesKey.self, in: what)
            guard let column = requiredColumn(fields, what, at: body) else { return nil }
            check.columns = [column]
            guard let list = value(of: AcceptedValuesKey.values, in: fields) else {
                sink.emit(.missingKey, at: range(body), "\(what) needs the key \"values\"")
                return nil
            }
            guard tape.kind(list) == .sequence, tape.items(list).count > 0 else {
                let found = tape.kind(list) == .sequence ? "an empty list" : kindDescription(list)
                sink.emit(.invalidValue, at: range(list), "\"values\" of \(what) must list at least one value, not \(found)")
                return nil
            }
            for item in tape.items(list) {
                if let scalar = scalarNode(item, "each entry of \"values\" of \(what)") { check.values.append(scalar) }
            }
        case .rows:
            guard let fields = mapping(body, what) else { return nil }
            reportUnknownKeys(fields, RowsKey.self, in: what)
            check.min = value(of: RowsKey.min, in: fields).flatMap { scalarNode($0, "\"min\" of \(what)") }
            check.max = value(of: RowsKey.max, in: fields).flatMap { scalarNode($0, "\"max\" of \(what)") }
            guard check.min != nil || check.max != nil else {
                sink.emit(.missingKey, at: range(body), "\(what) needs \"min\", \"max\" or both")
                return nil
            }
        case .severity:
            return nil
        }
        return check
    }

    /// `column:` of range and accepted_values (both spell it the same).
    private mutating func requiredColumn(_ fields: PairSequence, _ what: String, at node: NodeRef) -> Spanned<String>? {
        guard let column = value(of: RangeKey.column, in: fields) else {
            sink.emit(.missingKey, at: range(node), "\(what) needs the key \"column\"")
            return nil
        }
        return string(column, "\"column\" of \(what)")
    }
}
