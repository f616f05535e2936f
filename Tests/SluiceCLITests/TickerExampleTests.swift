import Foundation
import Testing

/// The example pair (pipelines/ticker_daily.yaml, ticker_retraining.yaml):
/// the daily pipeline's mapped download, then its trigger passes the id of
/// the dataset it built (an upstream output) to the retraining child, whose
/// tasks load exactly that dataset.
@Test func theTickerExamplePassesItsDatasetIdToTheRetrainingRun() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    let examples = CLI.packageRoot.appendingPathComponent("pipelines")
    for item in ["ticker_daily.yaml", "ticker_retraining.yaml", "scripts"] {
        try FileManager.default.copyItem(at: examples.appendingPathComponent(item), to: workspace.url.appendingPathComponent(item))
    }
    // scripts/sluice_task links to the package in Sources/python: a copied workspace carries the package itself.
    let package = workspace.url.appendingPathComponent("scripts/sluice_task")
    try FileManager.default.removeItem(at: package)
    try FileManager.default.copyItem(at: CLI.packageRoot.appendingPathComponent("Sources/python/sluice_task"), to: package)

    // The defaults keep the model: the trigger is skipped.
    let quiet = try workspace.run("ticker_daily.yaml")
    #expect(quiet.status == 0, "\(quiet.stdout)\(quiet.stderr)")
    let kept = try workspace.show()
    #expect(kept.instances("download").count == 4)
    #expect(kept.state("retrain") == "skipped" && kept.state("keep_model") == "success")

    let forced = try workspace.run("ticker_daily.yaml", ["--param", "retrain.force=true"])
    #expect(forced.status == 0, "\(forced.stdout)\(forced.stderr)")
    let parent = try workspace.show()
    #expect(parent.state("retrain") == "success")
    let datasetID = try #require(parent.outputs("build_dataset")["dataset_id"] as? String)
    let rows = try #require(parent.outputs("build_dataset")["rows"] as? Int)
    #expect(workspace.exists("datasets/\(datasetID).csv"))
    let child = try workspace.show(try #require(parent.childRuns.first))
    #expect(child.json["pipeline"] as? String == "ticker_retraining")
    #expect(child.json["parent_run_id"] as? String == parent.runID)
    let given = try #require(child.json["trigger_params"] as? [String: Any])
    #expect(given["dataset.id"] as? String == datasetID)
    #expect(given["dataset.rows"] as? Int == rows)
    // The child's task loaded the parent's dataset, every row of it.
    #expect(child.outputs("load_dataset")["rows"] as? Int == rows)
    #expect(child.state("fit") == "success")
}
