import Foundation
import Testing

/// `sluice graph` through the real binary: every example through Graphviz,
/// goldens, runs laid over the graph, and the error paths.
struct GraphCommandTests {
    static let examples = ["daily_ops", "demand_forecast", "model_retraining", "ohlcv_ingest", "symbol_features", "ticker_daily", "ticker_retraining"]
    static let goldens = Tests.packageRoot.appendingPathComponent("Tests/SluiceGraphTests/Fixtures")

    /// Expected node and edge counts read from the YAML by PyYAML, not by
    /// Sluice: nodes are tasks plus one per triggered pipeline; edges are
    /// `needs` entries, one dotted edge per upstream read without a direct
    /// need, and one per trigger task (docs/graph.md).
    static let countScript = #"""
        import re, sys, yaml
        spec = yaml.safe_load(open(sys.argv[1]))
        tasks = spec["tasks"]
        ref = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
        target = lambda t: t["trigger"]["pipeline"] if isinstance(t["trigger"], dict) else t["trigger"]
        nodes = len(tasks) + len({target(t) for t in tasks.values() if t and "trigger" in t})
        edges = 0
        for name, task in tasks.items():
            task = task or {}
            needs = task.get("needs", [])
            needs = [needs] if isinstance(needs, str) else needs
            texts = [str(task.get("run", ""))] + [str(v) for v in (task.get("env") or {}).values()]
            if isinstance(task.get("trigger"), dict): texts += [str(v) for v in (task["trigger"].get("params") or {}).values()]
            producers = {m.group(1) for text in texts for m in ref.finditer(text)}
            foreach = task.get("foreach", "")
            if "." in foreach and not foreach.startswith("params."): producers.add(foreach.split(".")[0])
            for spec_input in (task.get("inputs") or {}).values(): producers.add(spec_input["from"].split(".")[0])
            producers -= {"params", "run", "item", "index", name}
            edges += len(needs) + len(producers - set(needs)) + (1 if "trigger" in task else 0)
        print(nodes, edges)
        """#

    @Test(arguments: examples)
    func everyExampleDrawsInGraphvizWithTheSpecsCounts(example: String) throws {
        let spec = "pipelines/\(example).yaml"
        let counts = try CLI.execute(try CLI.python(), ["-c", Self.countScript, spec], cwd: CLI.packageRoot)
        #expect(counts.status == 0, "\(counts.stderr)")
        let expected = counts.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(expected.count == 2)
        let dot = try CLI.run(["graph", spec])
        #expect(dot.status == 0, "\(dot.stderr)")
        let svg = try CLI.run(["graph", spec, "--format", "svg"])
        #expect(svg.status == 0 && svg.stderr.isEmpty, "\(svg.stderr)")
        #expect(Self.count("node", svg.stdout) == expected[0], "nodes of \(example)")
        #expect(Self.count("edge", svg.stdout) == expected[1], "edges of \(example)")
        let viaDot = try Self.dotToSVG(dot.stdout)
        #expect(Self.count("node", viaDot) == expected[0] && Self.count("edge", viaDot) == expected[1])
    }

    @Test(arguments: ["daily_ops", "demand_forecast"])
    func goldenDOTMermaidAndASCII(example: String) throws {
        for (format, suffix) in [("dot", "dot"), ("mermaid", "mmd"), ("ascii", "txt")] {
            let outcome = try CLI.run(["graph", "pipelines/\(example).yaml", "--format", format])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            try Self.checkGolden(outcome.stdout, "\(example).\(suffix)")
        }
    }

    @Test(arguments: examples)
    func everyExampleIsADrawingWithin80Columns(example: String) throws {
        let outcome = try CLI.run(["graph", "pipelines/\(example).yaml", "--format", "ascii"])
        #expect(outcome.status == 0)
        #expect(!outcome.stdout.contains("listed by layer"), "\(outcome.stdout)")
        #expect(outcome.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 })
    }

    @Test func severalSpecsAreClustersAndTriggersPointAcross() throws {
        let outcome = try CLI.run(["graph", "pipelines/daily_ops.yaml", "pipelines/model_retraining.yaml"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("subgraph \"cluster_daily_operations\""))
        #expect(outcome.stdout.contains("lhead=\"cluster_model_retraining\""))
        let svg = try Self.dotToSVG(outcome.stdout)
        #expect(Self.count("cluster", svg) == 2)
    }

    @Test func outputFilesAndPNG() throws {
        let dir = try CLI.temporaryDirectory()
        let png = dir.appendingPathComponent("g.png")
        #expect(try CLI.run(["graph", "pipelines/ohlcv_ingest.yaml", "--format", "png", "-o", png.path]).status == 0)
        let bytes = try Data(contentsOf: png)
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let mmd = dir.appendingPathComponent("g.mmd")
        let outcome = try CLI.run(["graph", "pipelines/ohlcv_ingest.yaml", "--format", "mermaid", "--output", mmd.path])
        #expect(outcome.status == 0 && outcome.stdout.isEmpty)
        #expect(try String(contentsOf: mmd, encoding: .utf8).hasPrefix("flowchart LR\n"))
    }

    @Test func missingGraphvizSaysHowToInstallIt() throws {
        let outcome = try CLI.run(["graph", "pipelines/ohlcv_ingest.yaml", "--format", "svg"], environment: ["PATH": "/nonexistent"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("apt-get install graphviz") && outcome.stderr.contains("brew install graphviz"))
        // DOT itself never needs Graphviz.
        #expect(try CLI.run(["graph", "pipelines/ohlcv_ingest.yaml"], environment: ["PATH": "/nonexistent"]).status == 0)
    }

    /// A hand-edited plan.json is the one way hostile text reaches the CLI.
    /// Hostile descriptions still draw; hostile names are refused when the
    /// plan is loaded (a plan's ids must be names the spec accepts: they become
    /// file names), and the renderers' escaping of any name is covered by
    /// SluiceGraphTests' HostileTextTests.
    @Test func aHostilePlanJSONStillDraws() throws {
        let texts = ["a\"b", "c\\", "x -> y }", "<b>z</b>", "new\nline", "&lt;", "end", "日本 🚀"]
        func plan(ids: [String], pipeline: String) -> String {
            func task(_ i: Int) -> String {
                let needs = i == 0 ? "[]" : "[\(Self.json(ids[i - 1]))]"
                let reads = i == 0 ? "[]" : "[{\"task\": \(Self.json(ids[i - 1])), \"output\": \"o\", \"type\": \"string\", \"mapped\": false}]"
                return """
                    {"id": \(Self.json(ids[i])), "description": \(Self.json("<i>" + texts[i] + "</i>\\")), "kind": "command",
                     "needs": \(needs), "run": null, "foreach": null, "outputs": [], "inputs": [], "branch": null, "trigger": null,
                     "trigger_rule": "all_success", "retries": 0, "retry_delay_ms": 0, "retry_backoff": "fixed", "timeout_ms": null,
                     "pool": null, "env": [], "deps": [], "cache": true, "reads": {"params": [], "outputs": \(reads)}}
                    """
            }
            return """
                {"version": 1, "pipeline": \(Self.json(pipeline)), "description": null, "source": "x.yaml", "source_sha256": "", "workspace": ".",
                 "schedule": null, "params": {}, "pools": {}, "max_active_tasks": null, "env_file": null, "secrets": [],
                 "tasks": [\(ids.indices.map(task).joined(separator: ", "))]}
                """
        }
        let dir = try CLI.temporaryDirectory()
        let file = dir.appendingPathComponent("plan.json")
        try Data(plan(ids: texts.indices.map { "t\($0)" }, pipeline: "p").utf8).write(to: file)
        for format in ["svg", "mermaid", "ascii"] {
            let outcome = try CLI.run(["graph", file.path, "--format", format])
            #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(format): \(outcome.stderr)")
        }
        let svg = try CLI.run(["graph", file.path, "--format", "svg"]).stdout
        #expect(Self.count("node", svg) == texts.count && Self.count("edge", svg) == texts.count - 1)
        for (ids, pipeline) in [(texts, "p"), (texts.indices.map { "t\($0)" }, "p\\\"}")] {
            try Data(plan(ids: ids, pipeline: pipeline).utf8).write(to: file)
            let refused = try CLI.run(["graph", file.path, "--format", "svg"])
            #expect(refused.status == 2 && refused.stderr.contains("not a valid plan"), "\(refused.stderr)")
        }
    }

    static func json(_ text: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])
        return String(decoding: data ?? Data(), as: UTF8.self).dropFirst().dropLast().description
    }

    @Test func specErrorsPrintDiagnosticsAndExitOne() throws {
        let outcome = try CLI.run(["graph", "Tests/SluiceCompilerTests/Fixtures/lint/unknown-task/needs_typo.yaml"])
        #expect(outcome.status == 1)
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr.contains("error[unknown-task]") && outcome.stderr.contains("needs_typo.yaml:5:13"))
        #expect(try CLI.run(["graph", "no/such.yaml"]).status == 2)
        #expect(try CLI.run(["graph"]).status == 2)
        #expect(try CLI.run(["graph", "pipelines/ohlcv_ingest.yaml", "--format", "jpeg"]).status == 2)
    }
}

/// `--run`: the journal the executor writes, laid over the graph.
struct GraphCommandRunTests {
    /// A workspace holding ohlcv_ingest.yaml and two runs of it; the newer
    /// one has a mapped task half done and a crash-truncated last line.
    static func workspace() throws -> URL {
        let dir = try CLI.temporaryDirectory()
        let spec = CLI.packageRoot.appendingPathComponent("pipelines/ohlcv_ingest.yaml")
        try FileManager.default.copyItem(at: spec, to: dir.appendingPathComponent("ohlcv_ingest.yaml"))
        // The scripts its `deps` name, or lint (run by graph) warns `missing-deps` on stderr.
        try FileManager.default.copyItem(at: CLI.packageRoot.appendingPathComponent("pipelines/scripts"),
                                         to: dir.appendingPathComponent("scripts"))
        // scripts/sluice_task links to Sources/python: the copy carries the package itself.
        let package = dir.appendingPathComponent("scripts/sluice_task")
        try FileManager.default.removeItem(at: package)
        try FileManager.default.copyItem(at: CLI.packageRoot.appendingPathComponent("Sources/python/sluice_task"), to: package)
        try journal(dir, "20261121T060000Z-aaaa", """
            {"event":"run_started","run_id":"20261121T060000Z-aaaa","pipeline":"ohlcv_ingest","time":"2026-11-21T06:00:00Z","parent_run_id":null}
            {"event":"task","task":"fetch_ohlcv","map_index":null,"try":1,"state":"cached","time":"2026-11-21T06:00:01Z"}
            {"event":"run_finished","state":"success","time":"2026-11-21T06:00:02Z"}

            """)
        // Its id names the same second as the run above; ids are compared as times, then as text.
        try journal(dir, "20261121T060000Z-bbbb", """
            {"event":"run_started","run_id":"20261121T060000Z-bbbb","pipeline":"ohlcv_ingest","time":"2026-11-21T06:00:00.5Z","parent_run_id":null}
            {"event":"mapped","task":"fetch_ohlcv","count":5,"time":"2026-11-21T06:00:01Z"}
            {"event":"task","task":"fetch_ohlcv","map_index":0,"try":1,"state":"success","time":"2026-11-21T06:00:02Z"}
            {"event":"task","task":"fetch_ohlcv","map_index":1,"try":1,"state":"running","time":"2026-11-21T06:00:02Z"}
            {"event":"task","task":"fetch_ohlcv","map_index":1,"try":1,"state":"failed","time":"2026-11-21T06:00:03Z","exit_code":3}
            {"event":"task","task":"fetch_ohlcv","map_index":2,"try":1,"state":"cached","time":"2026-11-21T06:00:03Z","cache_hit":true}
            {"event":"task","task":"fetch_ohlcv","map_index":3,"try":1,"state":"running","time":"2026-11-21T06:00:03Z"}
            {"event":"task","task":"combine_bars","map_index":null,"try":1,"state":"queued","time":"2026-11-21T06:00:04Z"}
            {"event":"task","task":"combine_bars","map_index":null,"try":1,"stat
            """)
        return dir
    }

    static func journal(_ workspace: URL, _ run: String, _ text: String) throws {
        let dir = workspace.appendingPathComponent(".sluice/runs/ohlcv_ingest/\(run)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: dir.appendingPathComponent("journal.jsonl"))
    }

    @Test func latestColoursEveryFormat() throws {
        let dir = try Self.workspace()
        let dot = try CLI.run(["graph", "ohlcv_ingest.yaml", "--run", "latest"], cwd: dir)
        #expect(dot.status == 0 && dot.stderr.isEmpty, "\(dot.stderr)")
        #expect(dot.stdout.contains("run 20261121T060000Z-bbbb (unfinished)"))
        // One instance failed: the task shows red, with 2 of 5 done (success + cached), and names
        // the failed instance (by index: this journal predates labels).
        #expect(dot.stdout.contains("\"fetch_ohlcv\" [label=\"fetch_ohlcv\\nforeach params.tickers\\n2/5\\nfailed: 1\", shape=box3d, fillcolor=\"#f28b82\""))
        #expect(dot.stdout.contains("\"combine_bars\" [label=\"combine_bars\", fillcolor=\"#ffffff\""))
        #expect(dot.stdout.contains("cluster_legend"))
        let svg = try CLI.run(["graph", "ohlcv_ingest.yaml", "--run", "latest", "--format", "svg"], cwd: dir)
        #expect(svg.status == 0 && svg.stderr.isEmpty, "\(svg.stderr)")
        let ascii = try CLI.run(["graph", "ohlcv_ingest.yaml", "--run", "latest", "--format", "ascii"], cwd: dir)
        #expect(ascii.stdout.contains("[2/5 failed: 1]"), "\(ascii.stdout)")
        #expect(ascii.stdout.contains("| [queued] |") || ascii.stdout.contains("[queued]"))
        let mermaid = try CLI.run(["graph", "ohlcv_ingest.yaml", "--run", "latest", "--format", "mermaid"], cwd: dir)
        #expect(mermaid.stdout.contains(":::state_failed") && mermaid.stdout.contains("classDef state_success"))
    }

    @Test func aNamedRunAndItsMistakes() throws {
        let dir = try Self.workspace()
        let named = try CLI.run(["graph", "ohlcv_ingest.yaml", "--run", "20261121T060000Z-aaaa"], cwd: dir)
        #expect(named.status == 0)
        #expect(named.stdout.contains("(success)") && named.stdout.contains("fillcolor=\"#8ab4f8\""))
        let missing = try CLI.run(["graph", "ohlcv_ingest.yaml", "--run", "nope"], cwd: dir)
        #expect(missing.status == 2 && missing.stderr.contains("no run \"nope\" of \"ohlcv_ingest\""))
        #expect(try CLI.run(["graph", "ohlcv_ingest.yaml", "--run", "../x"], cwd: dir).status == 2)
        let empty = try CLI.temporaryDirectory()
        try FileManager.default.copyItem(at: dir.appendingPathComponent("ohlcv_ingest.yaml"), to: empty.appendingPathComponent("ohlcv_ingest.yaml"))
        let none = try CLI.run(["graph", "ohlcv_ingest.yaml", "--run", "latest"], cwd: empty)
        #expect(none.status == 2 && none.stderr.contains("no runs of \"ohlcv_ingest\""))
    }

    @Test func aCorruptLineInTheMiddleIsSkippedWithAWarning() throws {
        let dir = try Self.workspace()
        try Self.journal(dir, "20261122T000000Z-cccc", """
            {"event":"run_started","run_id":"20261122T000000Z-cccc","pipeline":"ohlcv_ingest","time":"2026-11-22T00:00:00Z"}
            not json at all
            {"event":"task","task":"summarize","map_index":null,"try":1,"state":"skipped","time":"2026-11-22T00:00:01Z"}
            {"event":"something_new","task":"summarize"}

            """)
        let outcome = try CLI.run(["graph", "ohlcv_ingest.yaml", "--run", "latest", "--format", "ascii"], cwd: dir)
        #expect(outcome.status == 0)
        #expect(outcome.stderr.contains("journal.jsonl:2: skipped a line that is not a journal event"))
        #expect(outcome.stdout.contains("[skipped]"))
    }

    @Test func anUnknownJournalVersionIsRefused() throws {
        let dir = try Self.workspace()
        try Self.journal(dir, "20261123T000000Z-dddd", """
            {"event":"run_started","version":2,"run_id":"x","pipeline":"ohlcv_ingest","time":"2026-11-23T00:00:00Z"}

            """)
        let outcome = try CLI.run(["graph", "ohlcv_ingest.yaml", "--run", "latest"], cwd: dir)
        #expect(outcome.status == 2 && outcome.stderr.contains("journal format version 2 is not one this sluice reads"), "\(outcome.stderr)")
    }
}

extension GraphCommandTests {
    static func count(_ kind: String, _ svg: String) -> Int {
        svg.components(separatedBy: "class=\"\(kind)\"").count - 1
    }

    static func dotToSVG(_ dot: String) throws -> String {
        let outcome = try CLI.execute(URL(fileURLWithPath: "/usr/bin/env"), ["dot", "-Tsvg"], cwd: CLI.packageRoot, stdin: Data(dot.utf8))
        #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(outcome.stderr)")
        return outcome.stdout
    }

    /// Goldens live with the graph library's tests; `UPDATE_GOLDEN=1` records.
    static func checkGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = goldens.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try Data(actual.utf8).write(to: url)
            Issue.record("recorded \(name); run again without UPDATE_GOLDEN", sourceLocation: sourceLocation)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(actual == expected, "\(name) differs from its golden (re-record with UPDATE_GOLDEN=1 if intended)",
                sourceLocation: sourceLocation)
    }
}

private enum Tests {
    static let packageRoot = CLI.packageRoot
}
