/// A data check on a table output, as the compiler checked it against the
/// table's declared columns (DESIGN.md "checks"). Values are JSON scalars in
/// the column's terms: numbers for int64 and float64, true/false for bool,
/// text for string, `YYYY-MM-DD` for date and UTC ISO 8601 for timestamp.
public struct PlanCheck: Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case unique, notNull = "not_null", range, acceptedValues = "accepted_values", rows
    }

    public var kind: Kind
    /// unique and not_null: their columns; range and accepted_values: the one column; rows: none.
    public var columns: [String]
    /// range: the inclusive bounds; rows: the row-count bounds (integers).
    public var min: JSON?
    public var max: JSON?
    /// accepted_values only.
    public var values: [JSON]
    /// A failing warning is recorded and the task still succeeds.
    public var warning: Bool

    public init(kind: Kind, columns: [String] = [], min: JSON? = nil, max: JSON? = nil, values: [JSON] = [], warning: Bool = false) {
        self.kind = kind
        self.columns = columns
        self.min = min
        self.max = max
        self.values = values
        self.warning = warning
    }

    /// `{"check": …, "columns": […], …, "severity": …}`: keys a kind does not use are left out.
    public func json() -> JSON {
        var members: [(String, JSON)] = [("check", .string(kind.rawValue))]
        if kind != .rows { members.append(("columns", .array(columns.map(JSON.string)))) }
        if let min { members.append(("min", min)) }
        if let max { members.append(("max", max)) }
        if kind == .acceptedValues { members.append(("values", .array(values))) }
        members.append(("severity", .string(warning ? "warning" : "error")))
        return .object(members)
    }

    init(json r: PlanReader) throws(PlanDecodingError) {
        guard let kind = Kind(rawValue: try r.string("check")) else {
            throw r.error("check", "must be one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let severity = try r.string("severity")
        guard severity == "error" || severity == "warning" else { throw r.error("severity", "must be error or warning") }
        let columns = kind == .rows ? [] : try r.strings("columns")
        let expected = [Kind.unique, .notNull].contains(kind) ? nil : (kind == .rows ? 0 : 1)
        guard kind == .rows || !columns.isEmpty, expected.map({ columns.count == $0 }) ?? true else {
            throw r.error("columns", "must name \(expected == 1 ? "one column" : "at least one column")")
        }
        let min = r.value["min"], max = r.value["max"]
        for (key, bound) in [("min", min), ("max", max)] {
            guard let bound else { continue }
            switch bound {
            case .int, .double, .string: continue
            default: throw r.error(key, "must be a number or a string")
            }
        }
        let values = kind == .acceptedValues ? try r.array("values") : []
        self.init(kind: kind, columns: columns, min: min, max: max, values: values, warning: severity == "warning")
    }
}
