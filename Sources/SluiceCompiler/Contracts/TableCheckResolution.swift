import SluiceColumnar
import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// A task's `checks:` read against its declared table outputs: each check
/// becomes a `PlanCheck`, or problems for `unknown-column` and
/// `invalid-check` to report. Lint reports the problems; lowering (which
/// runs only without errors) takes the checks.
struct TableCheckResolution {
    enum Problem {
        /// A column the table does not declare: the name as written and the table's columns.
        case unknownColumn(Spanned<String>, output: String, columns: [String])
        /// A check that cannot apply: where, what, and a help line.
        case invalid(SourceRange, String, help: String?)
    }

    /// Per output name (spec order), its resolved checks.
    var checks: [(output: String, checks: [PlanCheck])] = []
    var problems: [Problem] = []

    init(task: TaskSpec, outputs: [DeclaredOutput]) {
        for entry in task.checks {
            let name = entry.output.value
            guard let output = outputs.first(where: { $0.name == name }) else {
                let tables = outputs.filter { $0.parsedType?.tableColumns != nil }.map(\.name)
                problems.append(.invalid(entry.output.range, "task \(quoted(task.name.value)) declares no output \(quoted(name)) to check",
                                         help: didYouMean(name, among: tables) ?? (tables.isEmpty ? "checks apply to table outputs" : nil)))
                continue
            }
            // An output whose type does not parse is `invalid-type`'s to report.
            guard let type = output.parsedType else { continue }
            guard let columns = type.tableColumns else {
                problems.append(.invalid(entry.output.range, "output \(quoted(name)) of task \(quoted(task.name.value)) is \(type), not a table; checks apply to table outputs",
                                         help: nil))
                continue
            }
            var resolved: [PlanCheck] = []
            for check in entry.checks {
                if let plan = resolve(check, output: name, columns: columns) { resolved.append(plan) }
            }
            checks.append((name, resolved))
        }
    }

    private mutating func resolve(_ check: CheckSpec, output: String, columns: [SluicePlan.TableColumn]) -> PlanCheck? {
        guard let kind = PlanCheck.Kind(rawValue: check.kind.value) else { return nil }
        var types: [ColumnType] = []
        for column in check.columns {
            guard let declared = columns.first(where: { $0.name == column.value }), let type = ColumnType(rawValue: declared.type.rawValue) else {
                problems.append(.unknownColumn(column, output: output, columns: columns.map(\.name)))
                continue
            }
            types.append(type)
        }
        guard types.count == check.columns.count else { return nil }
        var plan = PlanCheck(kind: kind, columns: check.columns.map(\.value), warning: check.isWarning)
        let before = problems.count
        switch kind {
        case .unique, .notNull:
            break
        case .range:
            guard let column = check.columns.first, let type = types.first else { return nil }
            guard [.int64, .float64, .date, .timestamp].contains(type) else {
                problems.append(.invalid(check.kind.range, "range does not apply to column \(quoted(column.value)), a \(type) column",
                                         help: type == .string || type == .bool ? "list the values it may take with accepted_values" : nil))
                return nil
            }
            plan.min = check.min.flatMap { value($0, for: type, what: "min of range on \(quoted(column.value))") }
            plan.max = check.max.flatMap { value($0, for: type, what: "max of range on \(quoted(column.value))") }
            if let low = plan.min.flatMap({ columnValue($0, type) }), let high = plan.max.flatMap({ columnValue($0, type) }),
               Self.isAbove(low, high), let node = check.max {
                problems.append(.invalid(node.range, "max of range on \(quoted(column.value)) is below its min: no row could pass", help: nil))
            }
        case .acceptedValues:
            guard let column = check.columns.first, let type = types.first else { return nil }
            plan.values = check.values.compactMap { value($0, for: type, what: "accepted value of \(quoted(column.value))") }
        case .rows:
            plan.min = check.min.flatMap { rowCount($0, "min") }
            plan.max = check.max.flatMap { rowCount($0, "max") }
            if let low = plan.min?.intValue, let high = plan.max?.intValue, low > high, let node = check.max {
                problems.append(.invalid(node.range, "max of rows is below its min: no table could pass", help: nil))
            }
        }
        return problems.count == before ? plan : nil
    }

    /// A bound or accepted value in the plan's terms for a `type` column; nil (and a problem) when it is not one.
    private mutating func value(_ node: YAMLNode, for type: ColumnType, what: String) -> JSON? {
        guard let scalar = node.scalar else { return nil }
        let resolved = scalar.style == .plain ? scalar.resolved : .string(scalar.text)
        let converted: JSON?
        switch (type, resolved) {
        case (.int64, .int(let v)): converted = .int(Int64(v))
        case (.float64, .int(let v)): converted = .int(Int64(v))
        case (.float64, .float(let v)) where !v.isNaN: converted = .double(v)
        case (.bool, .bool(let v)): converted = .bool(v)
        case (.string, .null): converted = nil
        case (.string, _): converted = .string(scalar.text)
        case (.date, .string(let text)), (.timestamp, .string(let text)):
            converted = ColumnValue.parse(text, as: type).map { .string(TableCheck.text($0)) }
        default: converted = nil
        }
        guard let converted else {
            problems.append(.invalid(node.range, "\(what) must be \(Self.expected(type)), not \(node.kindDescription) \(quoted(scalar.text))",
                                     help: nil))
            return nil
        }
        return converted
    }

    private mutating func rowCount(_ node: YAMLNode, _ bound: String) -> JSON? {
        if case .int(let v)? = node.scalar.map({ $0.style == .plain ? $0.resolved : .string($0.text) }), v >= 0 { return .int(Int64(v)) }
        let found = node.scalar.map { $0.style == .plain && $0.resolved.isInteger ? $0.text : "\(node.kindDescription) \(quoted($0.text))" } ?? node.kindDescription
        problems.append(.invalid(node.range, "\(bound) of rows must be a whole number of rows (0 or more), not \(found)", help: nil))
        return nil
    }

    static func expected(_ type: ColumnType) -> String {
        switch type {
        case .int64: "an integer (the column is int64)"
        case .float64: "a number (the column is float64)"
        case .bool: "true or false (the column is bool)"
        case .string: "text (the column is string)"
        case .date: "a date such as 2024-01-31 (the column is date)"
        case .timestamp: "an ISO 8601 timestamp such as 2024-01-31T00:00:00Z (the column is timestamp)"
        }
    }

    private func columnValue(_ json: JSON, _ type: ColumnType) -> ColumnValue? {
        switch json {
        case .int(let v): type == .float64 ? .float64(Double(v)) : .int64(v)
        case .double(let v): .float64(v)
        case .string(let text): ColumnValue.parse(text, as: type)
        default: nil
        }
    }

    static func isAbove(_ a: ColumnValue, _ b: ColumnValue) -> Bool {
        switch (a, b) {
        case let (.int64(x), .int64(y)), let (.timestamp(x), .timestamp(y)): x > y
        case let (.float64(x), .float64(y)): x > y
        case let (.date(x), .date(y)): x > y
        default: false
        }
    }
}

private extension ResolvedScalar {
    var isInteger: Bool { if case .int = self { true } else { false } }
}
