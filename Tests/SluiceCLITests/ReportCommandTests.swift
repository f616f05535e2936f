import Foundation
import SluiceWeb
import Testing

/// `sluice report`: one self-contained HTML file of a run page, written
/// atomically, never through a symlink; and the file opened in Debian's
/// headless Chromium from disk with the network cut off.

private let reportSpec = """
    pipeline: reported
    secrets: [TOKEN]
    params:
      tickers: [AAPL, MSFT, GOOG]
    tasks:
      greet:
        run: echo "greet token $TOKEN </script><b>x</b>"
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
        run: printf 'a,b\\n1,x\\n2,y\\n' > "$SLUICE_TABLE_ROWS"
        outputs:
          rows: "table(a: int64, b: string)"

    """

/// A workspace with one failed run of `reported`, and its report written to report.html.
private func reportedWorkspace() throws -> (RunWorkspace, runID: String, html: String) {
    let workspace = try RunWorkspace()
    try workspace.write("reported.yaml", reportSpec)
    #expect(try workspace.run("reported.yaml", environment: ["TOKEN": "s3cr3t-value"]).status == 1)
    let runID = try #require(try workspace.show().json["run_id"] as? String)
    let report = try CLI.run(["report", "latest", "-o", "report.html"], cwd: workspace.url)
    #expect(report.status == 0, "\(report.stderr)")
    return (workspace, runID, try #require(workspace.read("report.html")))
}

/// The `#sluice-data` map of a report.
private func embeddedData(_ html: String) throws -> [String: Any] {
    let open = try #require(html.range(of: #"<script type="application/json" id="sluice-data">"#))
    let close = try #require(html[open.upperBound...].range(of: "</script>"))
    return try #require(try JSONSerialization.jsonObject(with: Data(html[open.upperBound..<close.lowerBound].utf8)) as? [String: Any])
}

@Test func reportIsOneSelfContainedFileWithEveryAPIAnswerThePageNeeds() throws {
    let (workspace, runID, html) = try reportedWorkspace()
    defer { workspace.cleanUp() }
    #expect(html.hasPrefix("<!doctype html>"))
    #expect(!html.contains("/assets/") && !html.contains("src=\"http") && !html.contains("href=\"http"), "nothing from a server or the network")
    #expect(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"))
    #expect(!html.contains("s3cr3t-value"), "secrets stay masked in the report")
    let data = try embeddedData(html)
    #expect(data["#page"] as? String == "/runs/\(runID)")
    let base = "/api/runs/\(runID)"
    // The show JSON, exactly as `sluice show` prints it.
    let shown = try CLI.run(["show", runID, "--format", "json"], cwd: workspace.url)
    let show = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? NSDictionary)
    #expect((data[base] as? NSDictionary) == show)
    #expect((data[base + "/graph.svg"] as? String)?.hasPrefix("<svg ") == true)
    #expect(data[base + "/log?task=wobbly&try=1"] as? String == "wobbly try 1\n")
    #expect(data[base + "/log?task=wobbly&try=2"] as? String == "wobbly try 2\n")
    #expect((data[base + "/log?task=download&label=GOOG&try=1"] as? String)?.contains("no quote for GOOG") == true)
    #expect((data[base + "/log?task=greet&try=1"] as? String)?.contains("</script>") == true, "a log that holds </script> cannot end the data")
    let preview = try #require(data[base + "/table?task=table&output=rows&head=50"] as? [String: Any])
    #expect(preview["total_rows"] as? Int == 2)
    // #page and #generated, the show JSON, the graph, one entry per attempt
    // that wrote a log (a silent attempt has none), one table preview.
    let tasks = try #require(show["tasks"] as? [[String: Any]])
    let logged = tasks.flatMap { ($0["attempts"] as? [[String: Any]]) ?? [] }.filter { $0["log"] is String }.count
    #expect(logged == 6, "download[AAPL|GOOG|MSFT], greet, wobbly twice: \(tasks)")
    let expectedKeys = 4 + logged + 1
    #expect(data.keys.count == expectedKeys, "\(data.keys.sorted())")
}

@Test func reportRefusesASymlinkAndAnUnknownRun() throws {
    let workspace = try RunWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("reported.yaml", reportSpec)
    _ = try workspace.run("reported.yaml")
    try workspace.write("target.txt", "keep me\n")
    try FileManager.default.createSymbolicLink(atPath: workspace.path + "/link.html", withDestinationPath: workspace.path + "/target.txt")
    let linked = try CLI.run(["report", "latest", "-o", "link.html"], cwd: workspace.url)
    #expect(linked.status == 2 && linked.stderr.contains("symbolic link"), "\(linked.stderr)")
    #expect(workspace.read("target.txt") == "keep me\n")
    let missing = try CLI.run(["report", "20990101T000000Z-000000", "-o", "x.html"], cwd: workspace.url)
    #expect(missing.status == 2 && missing.stderr.contains("no run 20990101T000000Z-000000"), "\(missing.stderr)")
    #expect(!workspace.exists("x.html"))
    // An existing file is replaced whole.
    try workspace.write("old.html", String(repeating: "old ", count: 100_000))
    #expect(try CLI.run(["report", "latest", "-o", "old.html"], cwd: workspace.url).status == 0)
    #expect(workspace.read("old.html")?.hasPrefix("<!doctype html>") == true && workspace.read("old.html")?.contains("old old") == false)
}

/// Debian's Chromium, when installed (scripts/test-browser installs it; CI runs that).
private let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first(where: FileManager.default.isExecutableFile(atPath:))

@Test(.enabled(if: chromium != nil, "Chromium is not installed: scripts/test-browser installs Debian's chromium and runs this test"))
func reportOpensFromAFileWithTheNetworkCutOffAndShowsEveryTask() throws {
    let (workspace, runID, html) = try reportedWorkspace()
    defer { workspace.cleanUp() }
    // A probe in front of the page's script: any request the page tries (a CSP
    // violation, a resource entry) is written into the DOM that Chromium dumps.
    let probe = """
        <script>
        window.__blocked = [];
        document.addEventListener('securitypolicyviolation', (e) => window.__blocked.push(e.blockedURI));
        window.addEventListener('load', () => setTimeout(() => {
          const p = document.createElement('pre'); p.id = 'probe';
          p.textContent = JSON.stringify({ blocked: window.__blocked, resources: performance.getEntriesByType('resource').map((r) => r.name) });
          document.body.append(p);
        }, 500));
        </script>
        """
    let probed = html.replacingOccurrences(of: "<meta charset=\"utf-8\">", with: "<meta charset=\"utf-8\">\n" + probe)
    try workspace.write("probed.html", probed)
    let dom = try headlessDOM(workspace.url.appendingPathComponent("probed.html"))
    let probeStart = try #require(dom.range(of: "<pre id=\"probe\">"), "the page's scripts ran: \(dom.suffix(2000))")
    let probeEnd = try #require(dom[probeStart.upperBound...].range(of: "</pre>"))
    let found = String(dom[probeStart.upperBound..<probeEnd.lowerBound]).replacingOccurrences(of: "&quot;", with: "\"")
    #expect(found == #"{"blocked":[],"resources":[]}"#, "the page asked for nothing: \(found)")
    #expect(dom.contains("Run <code>\(runID)</code>"))
    #expect(dom.contains(#"<svg xmlns="http://www.w3.org/2000/svg" class="sluice-graph""#))
    for task in ["download", "greet", "wobbly", "table"] {
        #expect(dom.contains("<tr data-task=\"\(task)\""), "row of \(task)")
        #expect(dom.contains("data-task=\"\(task)\" data-state="), "graph node of \(task)")
    }
    for label in ["[AAPL]", "[MSFT]", "[GOOG]"] { #expect(dom.contains(label)) }
    #expect(dom.contains(#"<span class="state failed">failed</span>"#) && dom.contains(#"<span class="state success">success</span>"#))
    #expect(!dom.contains("Loading…") && !dom.contains("class=\"error-box\""))
}

/// The DOM after the page's scripts ran, from headless Chromium with every host unresolvable.
private func headlessDOM(_ file: URL) throws -> String {
    let profile = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: profile) }
    let outcome = try CLI.execute(URL(fileURLWithPath: try #require(chromium)), [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + profile.path,
        "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-background-networking", "--virtual-time-budget=5000",
        "--dump-dom", file.absoluteString,
    ], cwd: file.deletingLastPathComponent(), timeout: 120)
    try #require(outcome.status == 0, "chromium: \(outcome.stderr.suffix(2000))")
    return outcome.stdout
}

/// The runs page and a pipeline's page, embedded as a report embeds the run page
/// (`RunReport.html(page:)`), rendered by the same script in Chromium.
@Test(.enabled(if: chromium != nil, "Chromium is not installed: scripts/test-browser installs Debian's chromium and runs this test"))
func runsAndPipelinePagesRenderInChromium() throws {
    let (workspace, runID, _) = try reportedWorkspace()
    defer { workspace.cleanUp() }
    try workspace.write("other.yaml", "pipeline: other\ntasks:\n  only:\n    run: \"true\"\n")
    #expect(try workspace.run("other.yaml").status == 0)
    let runsPage = try RunReport.html(page: "/", workspaces: [workspace.path])
    try Data(runsPage).write(to: workspace.url.appendingPathComponent("runs.html"))
    let runs = try headlessDOM(workspace.url.appendingPathComponent("runs.html"))
    #expect(runs.contains("<h1>Runs</h1>"), "\(runs.suffix(1500))")
    #expect(runs.contains("<tr data-run=\"\(runID)\">"))
    #expect(runs.components(separatedBy: "<tr data-run=").count - 1 == 2, "both runs listed")
    #expect(runs.contains(#"<span class="state failed">failed</span>"#) && runs.contains(#"<span class="state success">success</span>"#))

    let pipelinePage = try RunReport.html(page: "/pipelines/reported", workspaces: [workspace.path])
    try Data(pipelinePage).write(to: workspace.url.appendingPathComponent("pipeline.html"))
    let pipeline = try headlessDOM(workspace.url.appendingPathComponent("pipeline.html"))
    #expect(pipeline.contains("Pipeline <code>reported</code>"), "\(pipeline.suffix(1500))")
    #expect(pipeline.contains("&quot;tickers&quot;") || pipeline.contains("\"tickers\""), "params shown")
    #expect(pipeline.contains("linted clean"))
    #expect(pipeline.contains(#"class="sluice-graph""#) && pipeline.contains("durations of the last 1 runs"))
    #expect(throws: RunReport.Failure.self) { try RunReport.html(page: "/pipelines/nothing", workspaces: [workspace.path]) }
}

/// The run page's controls in Chromium: a log opens from its attempt's button and
/// its search keeps and marks the matching lines; a table output opens its preview.
@Test(.enabled(if: chromium != nil, "Chromium is not installed: scripts/test-browser installs Debian's chromium and runs this test"))
func runPageOpensALogSearchesItAndPreviewsATable() throws {
    let (workspace, _, html) = try reportedWorkspace()
    defer { workspace.cleanUp() }
    let clicks = """
        <script>
        window.addEventListener('load', () => setTimeout(() => {
          document.querySelector('button[aria-label="log of download[GOOG] try 1"]').click();
          setTimeout(() => {
            [...document.querySelectorAll('button')].find((b) => b.textContent === 'preview table').click();
            setTimeout(() => { const i = document.getElementById('log-search'); i.value = 'QUOTE'; i.dispatchEvent(new Event('input')); }, 200);
          }, 200);
        }, 300));
        </script>
        """
    try workspace.write("clicked.html", html.replacingOccurrences(of: "</body>", with: clicks + "</body>"))
    let dom = try headlessDOM(workspace.url.appendingPathComponent("clicked.html"))
    #expect(dom.contains("Log of <code>download[GOOG]</code> try 1"), "\(dom.suffix(1500))")
    #expect(dom.contains(#"<span class="meta" id="log-count">2 matching lines</span>"#))
    #expect(dom.contains("<pre id=\"log-text\" tabindex=\"0\">GOOG <mark>quote</mark>\nno <mark>quote</mark> for GOOG\n</pre>"))
    #expect(dom.contains(#"<caption class="meta">rows: 2 of 2 rows</caption>"#))
    #expect(dom.contains("<tr><td>1</td><td>x</td></tr><tr><td>2</td><td>y</td></tr>"))
}
