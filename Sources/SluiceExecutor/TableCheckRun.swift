import Foundation
import SluiceColumnar
import SluicePlan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The data checks of a table output, run on its canonical Arrow file after
/// ingest and before it is published (DESIGN.md "checks"). The evaluation is
/// `SluiceColumnar.TableChecks`; this file turns plan checks into its terms
/// and its results into a message and journal JSON.
enum TableCheckRun {
    /// Runs `ingest`, which writes the canonical Arrow file and hands each
    /// batch to `observe` as it is written, and `output`'s checks on those
    /// batches (no second read of the file). Returns
    /// the results as JSON (one object per check) and, when an error-check
    /// failed, the message that fails the attempt.
    static func run(_ output: PlanOutput, columns: [SluicePlan.TableColumn], schema: TableSchema,
                    ingest: (_ observe: @escaping (RecordBatch) -> Void) throws(OutputError) -> Void) throws(OutputError) -> (results: [JSON], failure: String?) {
        var checks: [TableCheck] = []
        for check in output.checks {
            guard let converted = tableCheck(check, columns: columns) else {
                return ([], "check \(check.kind.rawValue) of table output \"\(output.name)\" does not fit the table's columns (was the plan edited by hand?)")
            }
            checks.append(converted)
        }
        var evaluator: TableCheckEvaluator
        do { evaluator = try TableCheckEvaluator(checks, schema: schema) } catch {
            return ([], "the checks of table output \"\(output.name)\" could not run: \(error)")
        }
        try ingest { evaluator.consume($0) }
        return report(evaluator.results(), output: output)
    }

    private static func report(_ results: [TableCheckResult], output: PlanOutput) -> (results: [JSON], failure: String?) {
        let failed = results.filter { !$0.passed && !$0.check.isWarning }
        let failure = failed.isEmpty ? nil
            : "table output \"\(output.name)\" failed \(failed.count == 1 ? "a check" : "\(failed.count) checks") and was not published: "
              + failed.map(\.summary).joined(separator: "; ")
        return (results.map { json($0, output: output.name) }, failure)
    }

    /// `{"output", "check", "columns", "severity", "status", "failing_rows", "rows", "examples", "message"}`.
    static func json(_ result: TableCheckResult, output: String) -> JSON {
        let columns = result.check.columns
        let examples: [JSON] = result.examples.map { example in
            var members: [(String, JSON)] = [("row", .int(Int64(example.row)))]
            members.append(("values", .object(zip(columns, example.values).map { name, value in
                (name, value.isNull ? .null : .string(TableCheck.shown(value)))
            })))
            if let earlier = example.repeatsRow { members.append(("repeats_row", .int(Int64(earlier)))) }
            return .object(members)
        }
        return .object([
            ("output", .string(output)), ("check", .string(result.check.name)), ("label", .string(result.check.label)),
            ("columns", .array(columns.map(JSON.string))), ("severity", .string(result.check.isWarning ? "warning" : "error")),
            ("status", .string(result.status)), ("failing_rows", .int(Int64(result.failingRows))), ("rows", .int(Int64(result.totalRows))),
            ("examples", .array(examples)), ("message", result.passed ? .null : .string(result.summary)),
        ])
    }

    /// A plan check as `SluiceColumnar` runs it; nil when a value does not fit its column.
    static func tableCheck(_ check: PlanCheck, columns: [SluicePlan.TableColumn]) -> TableCheck? {
        func type(_ name: String?) -> ColumnType? {
            columns.first { $0.name == name }.flatMap { ColumnType(rawValue: $0.type.rawValue) }
        }
        /// `.some(nil)` for an absent bound, nil for one that does not fit.
        func bound(_ json: JSON?, _ type: ColumnType) -> ColumnValue?? {
            guard let json else { return .some(nil) }
            return value(json, type).map { .some($0) }
        }
        let rule: TableCheck.Rule
        switch check.kind {
        case .unique: rule = .unique(check.columns)
        case .notNull: rule = .notNull(check.columns)
        case .rows: rule = .rows(min: check.min?.intValue.map { Int($0) }, max: check.max?.intValue.map { Int($0) })
        case .range:
            guard let column = check.columns.first, let type = type(column),
                  let low = bound(check.min, type), let high = bound(check.max, type) else { return nil }
            rule = .range(column: column, min: low, max: high)
        case .acceptedValues:
            guard let column = check.columns.first, let type = type(column) else { return nil }
            var values: [ColumnValue] = []
            for item in check.values {
                guard let converted = value(item, type) else { return nil }
                values.append(converted)
            }
            rule = .acceptedValues(column: column, values: values)
        }
        return TableCheck(rule, isWarning: check.warning)
    }

    private static func value(_ json: JSON, _ type: ColumnType) -> ColumnValue? {
        switch (json, type) {
        case (.int(let v), .int64): .int64(v)
        case (.int(let v), .float64): .float64(Double(v))
        case (.double(let v), .float64): .float64(v)
        case (.bool(let v), .bool): .bool(v)
        case (.string(let text), _): ColumnValue.parse(text, as: type)
        default: nil
        }
    }
}

/// What an attempt's checks found, filled by `OutputCollector` as it
/// ingests each table; read by whoever journals the attempt.
final class TableCheckLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [JSON] = []

    func append(_ results: [JSON]) {
        lock.lock()
        entries += results
        lock.unlock()
    }

    /// The results as the journal keeps them; nil when the task has no checks.
    var json: JSON? {
        lock.lock()
        defer { lock.unlock() }
        return entries.isEmpty ? nil : .array(entries)
    }
}

extension OutputCollector {
    /// Ingests into a hidden name beside `target`, running the checks on the
    /// batches as they are written, and only when no error-check failed
    /// renames it into place: a table that
    /// failed its checks is never published (not even for a moment).
    func ingestChecked(_ output: PlanOutput, _ columns: [SluicePlan.TableColumn], schema: TableSchema, in place: RecordDirectory,
                       ingest: (String, @escaping (RecordBatch) -> Void) throws(OutputError) -> Void) throws(OutputError) {
        let hidden = "." + output.name + ".arrow.unchecked"
        let (results, failure) = try TableCheckRun.run(output, columns: columns, schema: schema) { observe throws(OutputError) in
            try ingest(place.pinned(hidden), observe)
        }
        checkLog?.append(results)  // made for every task with checks
        if let failure {
            _ = place.remove(hidden)
            throw OutputError(failure)
        }
        guard renameat(place.fd, hidden, place.fd, output.name + ".arrow") == 0 else {
            let problem = SystemCalls.errorText()
            _ = place.remove(hidden)
            throw OutputError("table output \"\(output.name)\": cannot publish it: \(problem)")
        }
    }
}
