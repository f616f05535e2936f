import SluicePlan
@testable import SluiceGraph

/// Small plans built by hand: spec task names are restricted identifiers, so
/// hostile names and shapes the compiler would refuse can only come this way.
enum Plans {
    static func task(_ id: String, needs: [String] = [], kind: PlanTask.Kind = .command, description: String? = nil,
                     foreach: ForeachSource? = nil, branch: [String]? = nil, trigger: String? = nil,
                     reads: [OutputReference] = []) -> PlanTask {
        PlanTask(id: id, description: description, kind: trigger != nil ? .trigger : kind, needs: needs, foreach: foreach,
                 branch: branch, trigger: trigger.map { PlanTask.Trigger(pipeline: $0) },
                 reads: Reads(outputs: reads.sorted()))
    }

    static func read(_ task: String, _ output: String, _ type: ValueType = .string, mapped: Bool = false) -> OutputReference {
        OutputReference(task: task, output: output, type: mapped ? .list(type) : type, mapped: mapped)
    }

    static func plan(_ pipeline: String, _ tasks: [PlanTask], description: String? = nil) -> Plan {
        Plan(pipeline: pipeline, description: description, source: "\(pipeline).yaml", sourceSHA256: "", workspace: ".", tasks: tasks)
    }

    /// pipelines/daily_ops.yaml, as the compiler lowers it.
    static let dailyOperations = plan("daily_operations", [
        task("score_recent"),
        task("monitor", needs: ["score_recent"], reads: [read("score_recent", "scored", .file)]),
        task("decide", needs: ["monitor"], branch: ["retrain", "all_good"],
             reads: [read("monitor", "rmse", .float), read("monitor", "breach_days", .int)]),
        task("all_good", needs: ["decide"], kind: .empty),
        task("retrain", needs: ["decide"], trigger: "model_retraining"),
        task("report", needs: ["retrain", "all_good"], reads: [read("monitor", "rmse", .float), read("monitor", "breach_days", .int)]),
    ])

    /// A mapped fan-in: pipelines/ohlcv_ingest.yaml.
    static let ohlcv = plan("ohlcv_ingest", [
        task("fetch_ohlcv", foreach: .param(["tickers"])),
        task("combine_bars", needs: ["fetch_ohlcv"], reads: [read("fetch_ohlcv", "bars", .file, mapped: true), read("fetch_ohlcv", "rows", .int, mapped: true)]),
        task("summarize", needs: ["combine_bars"], reads: [read("combine_bars", "ohlcv", .file)]),
    ])
}

extension PlanTask {
    typealias Trigger = PlanTrigger
}

extension PlanTrigger {
    init(pipeline: String) { self.init(pipeline: pipeline, spec: pipeline + ".yaml") }
}
