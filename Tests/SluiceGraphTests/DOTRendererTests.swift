import Foundation
import SluicePlan
import Testing
@testable import SluiceGraph

/// DOT: shapes by kind, data contracts on edges, clusters, and Graphviz's verdict.
struct DOTRendererTests {
    static func dot(_ plans: Plan..., overlay: RunOverlay? = nil) -> String {
        DOTRenderer.render(plans.map { GraphSubject(plan: $0, overlay: overlay) })
    }

    @Test func shapesTellTheKind() {
        let dot = Self.dot(Plans.dailyOperations) + Self.dot(Plans.ohlcv)
        #expect(dot.contains("rankdir=LR"))
        #expect(dot.contains("\"decide\" [label=\"decide\", shape=diamond"))
        #expect(dot.contains("\"all_good\" [shape=circle, width=0.22, height=0.22, fixedsize=true, label=\"\", xlabel=\"all_good\""))
        #expect(dot.contains("\"fetch_ohlcv\" [label=\"fetch_ohlcv\\nforeach params.tickers\", shape=box3d"))
        #expect(dot.contains("\"pipeline:model_retraining\" [label=\"model_retraining\", shape=component"))
        #expect(dot.contains("\"retrain\" -> \"pipeline:model_retraining\" [style=dashed, label=\"triggers\"]"))
    }

    @Test func edgesNameTheOutputsThatFlowAlongThem() {
        let dot = Self.dot(Plans.dailyOperations)
        #expect(dot.contains("\"monitor\" -> \"decide\" [label=\"breach_days\\nrmse\", tooltip=\"monitor.breach_days: int\\nmonitor.rmse: float\"]"))
        #expect(dot.contains("\"decide\" -> \"all_good\";"))
        // report reads monitor's outputs without needing it directly: a dotted data edge.
        #expect(dot.contains("\"monitor\" -> \"report\" [label=\"breach_days\\nrmse\", tooltip=\"monitor.breach_days: int\\nmonitor.rmse: float\", style=dotted"))
        // Mapped producers hand lists downstream.
        #expect(Self.dot(Plans.ohlcv).contains("[label=\"bars[]\\nrows[]\""))
    }

    @Test func nodesAndEdgesFollowPlanOrder() {
        let dot = Self.dot(Plans.dailyOperations)
        let order = ["\"score_recent\" [", "\"monitor\" [", "\"decide\" [", "\"all_good\" [", "\"retrain\" [", "\"report\" ["]
        let positions = order.compactMap { dot.range(of: $0)?.lowerBound }
        #expect(positions.count == order.count && positions == positions.sorted())
        #expect(Self.dot(Plans.dailyOperations) == dot, "the same plan must print the same bytes")
    }

    @Test func graphvizDrawsEveryNodeAndEdge() throws {
        let outcome = try Graphviz.svg(Self.dot(Plans.dailyOperations))
        #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(outcome.stderr)")
        // 6 tasks + the model_retraining node; 6 needs + 1 data + 1 trigger edge.
        #expect(Graphviz.count("node", in: outcome.svg) == 7)
        #expect(Graphviz.count("edge", in: outcome.svg) == 8)
    }

    @Test func severalPipelinesAreClustersWithQualifiedIDs() throws {
        let retraining = Plans.plan("model_retraining", [Plans.task("build"), Plans.task("train", needs: ["build"])])
        let dot = Self.dot(Plans.dailyOperations, retraining)
        #expect(dot.contains("subgraph \"cluster_daily_operations\" {"))
        #expect(dot.contains("subgraph \"cluster_model_retraining\" {"))
        #expect(dot.contains("compound=true"))
        #expect(dot.contains("\"daily_operations.decide\" [label=\"decide\""))
        // The trigger points at the drawn pipeline's cluster, not at a stand-in node.
        #expect(dot.contains("\"daily_operations.retrain\" -> \"model_retraining.build\" [style=dashed, label=\"triggers\", lhead=\"cluster_model_retraining\"]"))
        #expect(!dot.contains("pipeline:model_retraining"))
        let outcome = try Graphviz.svg(dot)
        #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(outcome.stderr)")
        #expect(Graphviz.count("cluster", in: outcome.svg) == 2)
        #expect(Graphviz.count("node", in: outcome.svg) == 8)
    }

    @Test func aRunColoursTasksAndAddsALegend() throws {
        let overlay = RunOverlay(runID: "20261121T060000Z-3f9a", runState: "failed", tasks: [
            "fetch_ohlcv": TaskRunStatus(state: .failed, done: 3, total: 5),
            "combine_bars": TaskRunStatus(state: .upstreamFailed),
        ])
        let dot = Self.dot(Plans.ohlcv, overlay: overlay)
        #expect(dot.contains("label=\"ohlcv_ingest\\nrun 20261121T060000Z-3f9a (failed)\""))
        #expect(dot.contains("\"fetch_ohlcv\" [label=\"fetch_ohlcv\\nforeach params.tickers\\n3/5\", shape=box3d, fillcolor=\"#f28b82\""))
        #expect(dot.contains("\"combine_bars\" [label=\"combine_bars\", fillcolor=\"#f9a857\""))
        #expect(dot.contains("\"summarize\" [label=\"summarize\", fillcolor=\"#ffffff\""))
        #expect(dot.contains("subgraph \"cluster_legend\""))
        for state in ["success", "failed", "running", "upstream_failed", "skipped", "cached", "interrupted", "queued / not run"] {
            #expect(dot.contains(">\(state)</td>"))
        }
        let outcome = try Graphviz.svg(dot)
        #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(outcome.stderr)")
        #expect(Graphviz.count("node", in: outcome.svg) == 4)
    }

    @Test func theLegendNeverTakesATasksName() {
        let plan = Plans.plan("p", [Plans.task("legend"), Plans.task("cluster_legend")])
        let dot = Self.dot(plan, overlay: RunOverlay(runID: "r"))
        #expect(dot.contains("\"legend\" [label=\"legend\""))
        #expect(dot.contains("subgraph \"cluster_legend~2\""))
        #expect(dot.contains("\"legend~2\" [shape=plaintext"))
    }
}
