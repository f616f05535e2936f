import SluicePlan
import Testing
@testable import SluiceGraph

/// Mermaid: the same shapes as DOT as far as Mermaid allows, and classDefs for a run.
struct MermaidRendererTests {
    @Test func shapesEdgesAndTriggers() {
        let text = MermaidRenderer.render([GraphSubject(plan: Plans.dailyOperations), GraphSubject(plan: Plans.ohlcv)])
        #expect(text.hasPrefix("flowchart LR\n"))
        #expect(text.contains("subgraph s_daily_operations[\"daily_operations\"]"))
        #expect(text.contains("t_daily_operations__decide{\"decide\"}"))
        #expect(text.contains("t_daily_operations__all_good((\"all_good\"))"))
        #expect(text.contains("t_ohlcv_ingest__fetch_ohlcv[[\"fetch_ohlcv<br>foreach params.tickers\"]]"))
        #expect(text.contains("p_daily_operations__model_retraining>\"model_retraining\"]"))
        #expect(text.contains("t_daily_operations__retrain -.->|\"triggers\"| p_daily_operations__model_retraining"))
        #expect(text.contains("t_daily_operations__monitor -->|\"breach_days<br>rmse\"| t_daily_operations__decide"))
        #expect(text.contains("t_daily_operations__monitor -.->|\"breach_days<br>rmse\"| t_daily_operations__report"))
        #expect(text.components(separatedBy: "\n  end\n").count == 3)
    }

    @Test func aTriggeredPipelineDrawnAlongsideIsTheEdgesTarget() {
        let retraining = Plans.plan("model_retraining", [Plans.task("build")])
        let text = MermaidRenderer.render([GraphSubject(plan: Plans.dailyOperations), GraphSubject(plan: retraining)])
        #expect(text.contains("  t_daily_operations__retrain -.->|\"triggers\"| s_model_retraining\n"))
        #expect(!text.contains("p_daily_operations__model_retraining"))
    }

    @Test func aRunBecomesClassesAndALegend() {
        let overlay = RunOverlay(runID: "r1", runState: "success", tasks: [
            "fetch_ohlcv": TaskRunStatus(state: .success, done: 5, total: 5), "combine_bars": TaskRunStatus(state: .cached),
        ])
        let text = MermaidRenderer.render([GraphSubject(plan: Plans.ohlcv, overlay: overlay)])
        #expect(text.contains("t_fetch_ohlcv[[\"fetch_ohlcv<br>foreach params.tickers<br>5/5\"]]:::state_success"))
        #expect(text.contains("t_combine_bars[\"combine_bars\"]:::state_cached"))
        #expect(text.contains("t_summarize[\"summarize\"]:::state_not_run"))
        #expect(text.contains("classDef state_upstream_failed fill:#f9a857,stroke:#444444,color:#000000"))
        #expect(text.contains("subgraph s_legend[\"legend: run r1 (success)\"]"))
        #expect(text.contains("legend_state_not_run[\"queued / not run\"]:::state_not_run"))
    }
}
