import Foundation
import Testing

/// `sluice run --dry-run` predicts, per task and map instance, `run` or
/// `cached` and why, from the executor's own cache decision; it writes
/// nothing, and what it predicts is what the next real run does.
@Suite(.serialized)
struct DryRunPredictionTests {
    static let spec = """
        pipeline: predict
        params:
          n: 2
          greeting: hello
          cities: [Oslo, Lima]
        tasks:
          extract:
            run: echo "n={{ params.n }}" >> "$SLUICE_OUTPUTS"
            outputs: { n: int }
          transform:
            needs: [extract]
            run: echo "doubled {{ extract.n }}"
          after:
            needs: [extract]
            run: echo "after extract"
          greet:
            run: echo "{{ params.greeting }}"
          tool:
            deps: [tool.sh]
            run: sh tool.sh
          measure:
            foreach: params.cities
            run: echo "city {{ item }}"
          toucher:
            run: touch touched-by-a-task.txt

        """

    /// One workspace with the spec and its deps file.
    static func workspace() throws -> RunWorkspace {
        let workspace = try RunWorkspace()
        try workspace.write("predict.yaml", spec)
        try workspace.write("tool.sh", "echo tool v1\n")
        return workspace
    }

    /// `sluice run SPEC --dry-run --format json ARGS`, parsed: each entry by
    /// `task` or `task[i]`, as (prediction, reason).
    static func predict(_ workspace: RunWorkspace, _ arguments: [String] = []) throws -> (entries: [String: (String, String)], json: [String: Any], text: String) {
        let outcome = try workspace.run("predict.yaml", ["--dry-run", "--format", "json"] + arguments)
        guard outcome.status == 0, let json = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any] else {
            throw TestFailure("the dry run failed (\(outcome.status)): \(outcome.stdout)\(outcome.stderr)")
        }
        var entries: [String: (String, String)] = [:]
        for entry in json["tasks"] as? [[String: Any]] ?? [] {
            guard let task = entry["task"] as? String, let prediction = entry["prediction"] as? String, let reason = entry["reason"] as? String else { continue }
            let name = (entry["map_index"] as? Int).map { "\(task)[\($0)]" } ?? task
            entries[name] = (prediction, reason)
        }
        return (entries, json, outcome.stdout)
    }

    static func names(_ entries: [String: (String, String)], _ prediction: String) -> Set<String> {
        Set(entries.filter { $0.value.0 == prediction }.keys)
    }

    /// Predicts, then runs with the same arguments: the instances predicted
    /// to run are exactly those that ran, the cached ones those the run took
    /// from the cache. Returns the prediction and the run's `--explain` lines.
    static func predictThenRun(_ workspace: RunWorkspace, _ arguments: [String] = [],
                               sourceLocation: SourceLocation = #_sourceLocation) throws -> (entries: [String: (String, String)], explained: [String]) {
        let predicted = try predict(workspace, arguments)
        let run = try workspace.run("predict.yaml", arguments + ["--explain"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)", sourceLocation: sourceLocation)
        let shown = try workspace.show()
        #expect(names(predicted.entries, "run") == shown.ran, "predicted to run vs ran", sourceLocation: sourceLocation)
        #expect(names(predicted.entries, "cached") == shown.cached, "predicted cached vs cached", sourceLocation: sourceLocation)
        return (predicted.entries, run.stdout.split(separator: "\n").map(String.init))
    }

    /// Every file and directory below the workspace (`.sluice/` included) with its size and mtime (ns).
    static func tree(_ workspace: RunWorkspace) -> [String: String] {
        var found: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: workspace.path) else { return found }
        while let relative = walker.nextObject() as? String {
            var info = stat()
            guard lstat(workspace.path + "/" + relative, &info) == 0 else { continue }
            found[relative] = "\(info.st_mode) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        }
        return found
    }

    @Test func aFreshWorkspacePredictsEveryTaskRunsAndWritesNothing() throws {
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        let before = Self.tree(workspace)
        let text = try workspace.run("predict.yaml", ["--dry-run"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("\nextract\n  would run: no earlier run made a cache entry for it\n"), "\(text.stdout)")
        #expect(text.stdout.hasSuffix("\nwould run 8 of 8 instances (0 cached)\n"), "\(text.stdout)")
        let predicted = try Self.predict(workspace)
        #expect(Self.names(predicted.entries, "run").count == 8)
        #expect(Self.tree(workspace) == before, "a dry run writes nothing: no .sluice/, no file a task would make")
        #expect(!workspace.exists("touched-by-a-task.txt"))
        #expect(!workspace.exists(".sluice"))

        // And the first real run does what was predicted.
        _ = try Self.predictThenRun(workspace)
        #expect(workspace.exists("touched-by-a-task.txt"))
    }

    @Test func afterAFullRunEverythingIsCachedAndTheTreeIsUntouched() throws {
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        #expect(try workspace.run("predict.yaml").status == 0)
        try FileManager.default.removeItem(atPath: workspace.path + "/touched-by-a-task.txt")
        let before = Self.tree(workspace)
        let text = try workspace.run("predict.yaml", ["--dry-run", "--explain"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasSuffix("\nwould run 0 of 8 instances (8 cached)\n"), "\(text.stdout)")
        #expect(text.stdout.contains("\nextract: cached: key "), "--explain lists every instance: \(text.stdout)")
        #expect(text.stdout.contains("\nmeasure[Lima]: cached: key "), "\(text.stdout)")
        _ = try Self.predict(workspace)
        #expect(Self.tree(workspace) == before, "names, sizes and mtimes below the workspace, .sluice/ included, are unchanged")
        #expect(!workspace.exists("touched-by-a-task.txt"), "the task that would touch a file is cached, and a dry run starts nothing anyway")
        let outcome = try Self.predictThenRun(workspace)
        #expect(Self.names(outcome.entries, "cached").count == 8)
    }

    @Test func aChangedParamRunsItsTasksAndTheirDownstreamNamingTheParam() throws {
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        #expect(try workspace.run("predict.yaml").status == 0)
        let outcome = try Self.predictThenRun(workspace, ["--param", "n=3"])
        #expect(Self.names(outcome.entries, "run") == ["extract", "transform", "after"])
        #expect(outcome.entries["extract"]?.1 == "param n changed (2 -> 3)")
        // transform reads extract.n: unknown until extract runs.
        #expect(outcome.entries["transform"]?.1 == "upstream extract would run, so its output may change")
        // after reads nothing of extract: its key is known, and it says what the run then says.
        #expect(outcome.entries["after"]?.1 == "upstream extract ran")
        #expect(outcome.explained.contains("extract: ran: param n changed (2 -> 3)"), "\(outcome.explained)")
        #expect(outcome.explained.contains("after: ran: upstream extract ran"), "\(outcome.explained)")
    }

    @Test func anEditedDepsFileRunsOnlyItsTask() throws {
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        #expect(try workspace.run("predict.yaml").status == 0)
        try workspace.write("tool.sh", "echo tool v2\n")
        let outcome = try Self.predictThenRun(workspace)
        #expect(Self.names(outcome.entries, "run") == ["tool"])
        #expect(outcome.entries["tool"]?.1 == "deps file tool.sh changed")
        #expect(outcome.explained.contains("tool: ran: deps file tool.sh changed"), "\(outcome.explained)")
    }

    @Test func anItemAddedToAMappedTaskRunsOnlyItsInstance() throws {
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        #expect(try workspace.run("predict.yaml").status == 0)
        let added = #"cities=["Oslo","Lima","Rome"]"#
        let text = try workspace.run("predict.yaml", ["--dry-run", "--param", added])
        #expect(text.stdout.contains("\n  cached 2: measure[Oslo], measure[Lima]\n  would run measure[Rome]: item \"Rome\" is new"), "\(text.stdout)")
        let outcome = try Self.predictThenRun(workspace, ["--param", added])
        #expect(Self.names(outcome.entries, "run") == ["measure[2]"])
    }

    @Test func noCacheRunsEverythingAndSaysSo() throws {
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        #expect(try workspace.run("predict.yaml").status == 0)
        let before = Self.tree(workspace)
        let predicted = try Self.predict(workspace, ["--no-cache"])
        #expect(Self.names(predicted.entries, "run").count == 8)
        #expect(Set(predicted.entries.values.map(\.1)) == ["caching is off"])
        #expect(Self.tree(workspace) == before)
        let forced = try Self.predict(workspace, ["--force-task", "extract"])
        #expect(Self.names(forced.entries, "run") == ["extract", "transform", "after"])
        #expect(forced.entries["after"]?.1 == "--force-task")
        _ = try Self.predictThenRun(workspace, ["--no-cache"])
    }

    /// A list that is an output of a task that would run is known at run
    /// time; once that task is cached, its instances are predicted one by one.
    @Test func aListFromAnUpstreamThatWouldRunIsKnownAtRunTime() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("predict.yaml", """
            pipeline: listed
            tasks:
              listing:
                run: echo 'names=["a","b"]' >> "$SLUICE_OUTPUTS"
                outputs: { names: "list[string]" }
              each:
                needs: [listing]
                foreach: listing.names
                run: echo "{{ item }}"
              decide:
                branch: [left, right]
                run: echo branch=left >> "$SLUICE_OUTPUTS"
              left:
                needs: [decide]
              right:
                needs: [decide]

            """)
        let fresh = try Self.predict(workspace)
        #expect(fresh.entries["each"]?.1 == "depends on listing.names, known at run time", "\(fresh.text)")
        #expect(fresh.entries["left"]?.1.hasSuffix("(if branch decide chooses it)") == true, "\(fresh.text)")
        #expect(try workspace.run("predict.yaml").status == 0)
        let cached = try Self.predictThenRun(workspace)
        #expect(Self.names(cached.entries, "cached") == ["listing", "each[0]", "each[1]", "decide", "left"])
        #expect(cached.entries["right"]?.0 == "skipped")
        #expect(cached.entries["right"]?.1 == "branch \"decide\" did not choose it")
    }

    /// An upstream that runs only because its entry is gone keeps its key:
    /// a downstream task reading none of its outputs is still predicted
    /// `cached`, and is. One that reads an output "may change" (here the
    /// table comes out byte-identical, so the run finds it cached after all:
    /// the prediction errs towards running). Tasks never cached say why.
    @Test func aDownstreamKeyThatCanBeKnownIsPredictedFromIt() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("predict.yaml", """
            pipeline: edge
            tasks:
              table:
                run: printf 'a\\n1\\n' > "$SLUICE_TABLE_T"
                outputs: { t: "table(a: int64)" }
              after:
                needs: [table]
                run: echo after
              reader:
                needs: [table]
                run: echo {{ table.t }}
              volatile:
                cache: false
                run: echo v
              below:
                needs: [volatile]
                run: echo below
              child:
                trigger: other

            """)
        try workspace.write("other.yaml", "pipeline: other\ntasks:\n  hi:\n    run: echo hi\n")
        #expect(try workspace.run("predict.yaml").status == 0)
        try FileManager.default.removeItem(atPath: workspace.path + "/.sluice/cache/entries")
        let predicted = try Self.predict(workspace)
        #expect(predicted.entries["table"]?.0 == "run")
        #expect(predicted.entries["table"]?.1.contains("is gone") == true, "\(predicted.text)")
        #expect(predicted.entries["after"]?.0 == "cached")
        #expect(predicted.entries["after"]?.1.hasSuffix("; its key does not depend on what table outputs") == true, "\(predicted.text)")
        #expect(predicted.entries["reader"]?.1 == "upstream table would run, so its output may change")
        #expect(predicted.entries["volatile"]?.1 == "cache: false")
        #expect(predicted.entries["below"]?.1 == "upstream volatile would run, so its output may change")
        #expect(predicted.entries["child"]?.1 == "trigger tasks are never cached (the child run has its own cache)")
        #expect(try workspace.run("predict.yaml").status == 0)
        let shown = try workspace.show()
        #expect(shown.ran == ["table", "volatile", "below", "child"])
        #expect(shown.cached == ["after", "reader"])
    }

    /// A symlink planted where the cache lives is refused, as a run refuses
    /// it: a dry run never reads records through a symlink.
    @Test func aSymlinkedCacheIsRefusedNotReadThrough() throws {
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        let elsewhere = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        try FileManager.default.createDirectory(atPath: workspace.path + "/.sluice", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: workspace.path + "/.sluice/cache", withDestinationPath: elsewhere.path)
        let linked = try workspace.run("predict.yaml", ["--dry-run"])
        #expect(linked.status == 2)
        #expect(linked.stderr.contains(".sluice/cache is a symbolic link"), "\(linked.stderr)")
        try FileManager.default.removeItem(atPath: workspace.path + "/.sluice/cache")
        try FileManager.default.createDirectory(atPath: workspace.path + "/.sluice/cache", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: workspace.path + "/.sluice/cache/packs", withDestinationPath: elsewhere.path)
        let packs = try workspace.run("predict.yaml", ["--dry-run"])
        #expect(packs.status == 2)
        #expect(packs.stderr.contains("packs is not a directory"), "\(packs.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path).isEmpty)
    }

    @Test func thePredictionJSONMatchesItsSchema() throws {
        guard let python = OutputSchemasTests.pythonWithJSONSchema() else {
            print("skipped: DryRunPredictionTests needs Python with jsonschema")
            return
        }
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        var documents: [(schema: String, json: String)] = []
        documents.append(("dry-run", try Self.predict(workspace).text))
        #expect(try workspace.run("predict.yaml").status == 0)
        documents.append(("dry-run", try Self.predict(workspace, ["--param", "n=5", "--param", #"cities=["Oslo"]"#]).text))
        documents.append(("dry-run", try Self.predict(workspace, ["--no-cache"]).text))
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = try OutputSchemasTests.validate(documents, in: dir, python: python)
        #expect(report.status == 0, "\(report.stdout)\(report.stderr)")
        #expect(report.stdout.components(separatedBy: ": valid").count - 1 == documents.count, "\(report.stdout)")
        let extra = try OutputSchemasTests.validate([("dry-run", "{\"surprise\": 1, " + documents[0].json.drop { $0 != "{" }.dropFirst())],
                                                    in: dir, python: python)
        #expect(extra.status == 1, "the schema is closed")
    }

    @Test func formatGoesWithDryRunOnly() throws {
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        let outcome = try workspace.run("predict.yaml", ["--format", "json"])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("--format goes with --dry-run"), "\(outcome.stderr)")
        #expect(!workspace.exists(".sluice"))
    }
}
