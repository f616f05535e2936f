import Foundation
import SluiceWeb
import Testing

/// `WebResponder` (the UI's JSON API, SVG and pages) on real runs made by the
/// real binary: shapes, filters, 404s, and the paths an attacker would try.

private let webSpec = """
    pipeline: web
    secrets: [TOKEN]
    params:
      tickers: [AAPL, MSFT, GOOG]
    tasks:
      greet:
        run: echo "greet token $TOKEN"
      wobbly:
        retries: 1
        retry_delay: 0s
        run: |
          echo "wobbly try $SLUICE_TRY"
          [ "$SLUICE_TRY" = 2 ]
      download:
        foreach: params.tickers
        run: |
          echo "{{ item }} quote"
          [ {{ item }} != GOOG ] || { echo "no quote for GOOG" >&2; exit 3; }
      table:
        needs: [greet]
        run: printf 'a,b\\n1,x\\n2,y\\n3,z\\n' > "$SLUICE_TABLE_ROWS"
        outputs:
          rows: "table(a: int64, b: string)"

    """

private let otherSpec = """
    pipeline: other
    tasks:
      only:
        run: "true"

    """

/// A workspace with a failed run of `web` (GOOG fails) and a successful run of `other`.
private func webWorkspace() throws -> (RunWorkspace, WebResponder, runID: String) {
    let workspace = try RunWorkspace()
    try workspace.write("web.yaml", webSpec)
    try workspace.write("other.yaml", otherSpec)
    #expect(try workspace.run("web.yaml", environment: ["TOKEN": "s3cr3t-value"]).status == 1)
    let runID = try #require(try workspace.show().json["run_id"] as? String)
    #expect(try workspace.run("other.yaml").status == 0)
    return (workspace, WebResponder(workspaces: [workspace.path]), runID)
}

private func get(_ responder: WebResponder, _ target: String) -> WebResponse {
    responder.respond(WebRequest(target: target))
}

private func object(_ response: WebResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
}

private func text(_ response: WebResponse) -> String { String(decoding: response.body, as: UTF8.self) }

@Test func webRunsListIsTheRunsJSONNewestFirstAndFilters() throws {
    let (workspace, web, runID) = try webWorkspace()
    defer { workspace.cleanUp() }
    let all = get(web, "/api/runs")
    #expect(all.status == 200 && all.contentType.hasPrefix("application/json"))
    let runs = try #require(try object(all)["runs"] as? [[String: Any]])
    #expect(try object(all)["version"] as? Int == 1)
    #expect(runs.map { $0["pipeline"] as? String } == ["other", "web"], "newest first")
    #expect(runs.last?["run_id"] as? String == runID)
    #expect(runs.last?["state"] as? String == "failed")
    #expect((runs.last?["task_states"] as? [String: Int])?["failed"] == 1)
    // The same entries as `sluice runs --format json`, plus task_states.
    let cli = try CLI.run(["runs", "--format", "json", "--workspace", workspace.path], cwd: workspace.url)
    let cliRuns = try #require((try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])
    #expect(cliRuns.map { $0["run_id"] as? String } == runs.map { $0["run_id"] as? String })
    #expect(Set(runs[0].keys).subtracting(cliRuns[0].keys) == ["task_states"])

    let webOnly = try #require(try object(get(web, "/api/runs?pipeline=web"))["runs"] as? [[String: Any]])
    #expect(webOnly.map { $0["run_id"] as? String } == [runID])
    let succeeded = try #require(try object(get(web, "/api/runs?state=success"))["runs"] as? [[String: Any]])
    #expect(succeeded.map { $0["pipeline"] as? String } == ["other"])
    #expect(try (object(get(web, "/api/runs?pipeline=nothing"))["runs"] as? [Any])?.isEmpty == true)
    #expect(get(web, "/api/runs?pipeline=..%2F..").status == 400)
}

@Test func webRunJSONIsShowJSONByteForByte() throws {
    let (workspace, web, runID) = try webWorkspace()
    defer { workspace.cleanUp() }
    for id in [runID, "latest"] {
        let shown = try CLI.run(["show", id, "--format", "json", "--workspace", workspace.path], cwd: workspace.url)
        let served = get(web, "/api/runs/" + id)
        #expect(served.status == 200)
        if id == runID { #expect(text(served) == shown.stdout) }
    }
    // `latest` is `other`'s run, the newest.
    #expect(try object(get(web, "/api/runs/latest"))["pipeline"] as? String == "other")
    let missing = get(web, "/api/runs/20990101T000000Z-000000")
    #expect(missing.status == 404)
    #expect(try object(missing)["error"] as? String != nil)
}

@Test func webLogIsTheAttemptLogMaskedAndTableIsAPreview() throws {
    let (workspace, web, runID) = try webWorkspace()
    defer { workspace.cleanUp() }
    let greet = get(web, "/api/runs/\(runID)/log?task=greet")
    #expect(greet.status == 200 && greet.contentType.hasPrefix("text/plain"))
    #expect(text(greet).contains("greet token"))
    #expect(!text(greet).contains("s3cr3t-value"), "secrets stay masked: \(text(greet))")
    #expect(text(get(web, "/api/runs/\(runID)/log?task=wobbly&try=1")) == "wobbly try 1\n")
    #expect(text(get(web, "/api/runs/\(runID)/log?task=wobbly")) == "wobbly try 2\n")
    #expect(get(web, "/api/runs/\(runID)/log?task=wobbly&try=3").status == 404)
    #expect(get(web, "/api/runs/\(runID)/log?task=wobbly&try=x").status == 400)
    #expect(text(get(web, "/api/runs/\(runID)/log?task=download&label=GOOG")).contains("no quote for GOOG"))
    #expect(text(get(web, "/api/runs/\(runID)/log?task=download&label=MSFT")) == "MSFT quote\n")
    #expect(get(web, "/api/runs/\(runID)/log?task=download&label=NOPE").status == 404)
    #expect(get(web, "/api/runs/\(runID)/log?task=nosuch").status == 404)

    let preview = get(web, "/api/runs/\(runID)/table?task=table&output=rows&head=2")
    #expect(preview.status == 200)
    #expect(text(preview) == #"{"version":1,"columns":[{"name":"a","type":"int64"},{"name":"b","type":"string"}],"rows":[[1,"x"],[2,"y"]],"total_rows":3}"# + "\n")
    #expect(get(web, "/api/runs/\(runID)/table?task=table&output=nope").status == 404)
    #expect(get(web, "/api/runs/\(runID)/table?task=greet&output=rows").status == 404)
    #expect(get(web, "/api/runs/\(runID)/table?task=table&output=rows&head=100000").status == 400)
}

@Test func webGraphsPagesAndPipelines() throws {
    let (workspace, web, runID) = try webWorkspace()
    defer { workspace.cleanUp() }
    let graph = get(web, "/api/runs/\(runID)/graph.svg")
    #expect(graph.status == 200 && graph.contentType == "image/svg+xml")
    let svg = text(graph)
    #expect(svg.hasPrefix("<svg "))
    #expect(svg.contains(#"data-task="download" data-state="failed""#), "\(svg)")
    #expect(svg.contains("1/3 done") || svg.contains("2/3 done"), "\(svg)")
    #expect(svg.contains(#"data-task="wobbly" data-state="success""#))

    let pipeline = try object(get(web, "/api/pipelines/web"))
    #expect(pipeline["spec"] as? String == workspace.path + "/web.yaml")
    #expect((pipeline["runs"] as? [[String: Any]])?.map { $0["run_id"] as? String } == [runID])
    #expect((pipeline["params"] as? [String: Any])?["tickers"] as? [String] == ["AAPL", "MSFT", "GOOG"])
    #expect(((pipeline["lint"] as? [String: Any])?["summary"] as? [String: Any])?["errors"] as? Int == 0)
    #expect(get(web, "/api/pipelines/web/graph.svg").status == 200)
    #expect(get(web, "/api/pipelines/nothing").status == 404)

    for page in ["/", "/runs/\(runID)", "/pipelines/web"] {
        let served = get(web, page)
        #expect(served.status == 200 && served.contentType.hasPrefix("text/html") && text(served).contains("<!doctype html>"), "\(page)")
    }
    #expect(get(web, "/assets/app.js").contentType.hasPrefix("text/javascript"))
    #expect(get(web, "/assets/app.css").status == 200)
    #expect(get(web, "/assets/index.html").status == 404)
    #expect(get(web, "/nothing").status == 404)
    #expect(web.respond(WebRequest(method: "POST", path: "/api/runs")).status == 405)
}

@Test func webRefusesPathsThatTryToLeaveTheRecords() throws {
    let (workspace, web, runID) = try webWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("secret.txt", "TOP SECRET\n")
    let attacks = [
        "/api/runs/..%2f..%2fetc", "/api/runs/..%2F..%2Fsecret.txt", "/api/runs/%2e%2e", "/api/runs/..",
        "/api/runs/%2fetc%2fpasswd", "/api/runs/a%00b", "/api/runs/" + String(repeating: "a", count: 5000),
        "/api/runs/%zz", "/api/runs/%c3%28", "/api/runs/\(runID)/..%2f..%2f..%2fsecret.txt",
        "/api/runs/\(runID)/log?task=../../secret.txt", "/api/runs/\(runID)/log?task=..%2F..%2Fsecret.txt",
        "/api/runs/\(runID)/log?task=greet%00", "/api/runs/\(runID)/log?task=/etc/passwd",
        "/api/runs/\(runID)/log?task=download&label=%00", "/api/runs/\(runID)/table?task=table&output=../rows",
        "/api/pipelines/..%2f..", "/api/pipelines/.sluice", "/assets/..%2fapp.js", "/assets/%2e%2e%2fPackage.swift",
        "/runs/..%2f..", "//etc/passwd", "relative", "/api/runs/\(runID)/graph.svg/x",
    ]
    for attack in attacks {
        let response = get(web, attack)
        #expect([400, 404].contains(response.status), "\(attack) answered \(response.status)")
        #expect(!text(response).contains("TOP SECRET") && !text(response).contains("root:"), "\(attack)")
        if response.status != 200 { #expect(try object(response)["error"] is String, "\(attack)") }
    }

    // A log a task replaced with a symlink is refused, not followed.
    let runDirectory = workspace.url.appendingPathComponent(".sluice/runs/web/\(runID)")
    let log = runDirectory.appendingPathComponent("logs/greet.try1.log")
    try FileManager.default.removeItem(at: log)
    try FileManager.default.createSymbolicLink(atPath: log.path, withDestinationPath: workspace.path + "/secret.txt")
    let linked = get(web, "/api/runs/\(runID)/log?task=greet")
    #expect(linked.status == 404 && text(linked).contains("symbolic link"), "\(text(linked))")
    // So is a symlinked outputs directory.
    let outputs = runDirectory.appendingPathComponent("outputs/table")
    try FileManager.default.moveItem(at: outputs, to: workspace.url.appendingPathComponent("moved"))
    try FileManager.default.createSymbolicLink(atPath: outputs.path, withDestinationPath: workspace.path + "/moved")
    #expect(get(web, "/api/runs/\(runID)/table?task=table&output=rows").status == 404)
}
