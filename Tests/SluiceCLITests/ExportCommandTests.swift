import Foundation
import Testing

/// `sluice export airflow`: golden DAG files, and every exported file must
/// compile and already be formatted (ruff format --check).
@Suite("sluice export airflow")
struct ExportCommandTests {
    static let goldens = CLI.packageRoot.appendingPathComponent("Tests/SluiceCLITests/Fixtures/export")

    func export(_ specs: [String]) throws -> URL {
        let dir = try CLI.temporaryDirectory().appendingPathComponent("dags")
        let outcome = try CLI.run(["export", "airflow"] + specs.map { "pipelines/" + $0 } + ["-o", dir.path, "--workspace", "/srv/sluice/pipelines"],
                                  cwd: CLI.packageRoot)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return dir
    }

    @Test(arguments: ["daily_ops.yaml:daily_operations", "ohlcv_ingest.yaml:ohlcv_ingest"])
    func matchesGolden(_ case_: String) throws {
        let parts = case_.split(separator: ":").map(String.init)
        let dir = try export([parts[0]])
        let actual = try String(contentsOf: dir.appendingPathComponent(parts[1] + ".py"), encoding: .utf8)
        let golden = Self.goldens.appendingPathComponent(parts[1] + ".py")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try actual.write(to: golden, atomically: true, encoding: .utf8)
        }
        #expect(actual == (try? String(contentsOf: golden, encoding: .utf8)), "regenerate with UPDATE_GOLDEN=1 and review the diff")
    }

    @Test func everyExampleCompilesAndIsFormatted() throws {
        let specs = try FileManager.default.contentsOfDirectory(atPath: CLI.packageRoot.appendingPathComponent("pipelines").path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        let dir = try export(specs)
        let python = try CLI.python()
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".py") }.map { dir.appendingPathComponent($0).path }
        #expect(files.count == specs.count + 1)
        let compiled = try CLI.execute(python, ["-m", "py_compile"] + files, cwd: dir)
        #expect(compiled.status == 0, "\(compiled.stderr)")
        let formatted = try CLI.execute(python, ["-m", "ruff", "format", "--check", "--diff"] + files, cwd: dir)
        #expect(formatted.status == 0, "\(formatted.stdout)\(formatted.stderr)")
        let pools = try String(contentsOf: dir.appendingPathComponent("sluice_pools.json"), encoding: .utf8)
        #expect(pools.contains("\"market_api\""))
        // Airflow's own lint rules (AIR, with the preview AIR001), unused and unsorted imports, run
        // in the DAGs folder as a deployment would (sluice_airflow is first-party there).
        let linted = try CLI.execute(python, ["-m", "ruff", "check", "--isolated", "--no-cache", "--preview",
                                              "--extend-select", "AIR,F401,I001", "--output-format", "concise", "."], cwd: dir)
        #expect(linted.status == 0, "\(linted.stdout)\(linted.stderr)")
    }

    /// Every task name lint accepts becomes a valid, unique Python identifier;
    /// the Airflow task ids stay the spec's names. Control characters in the
    /// description (a NUL ends Python's parse) are escaped.
    @Test func everyNameLintAcceptsExportsToAFileThatParses() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        let names = ["b-dash", "b_dash", "class", "print", "__debug__", "PLAN", "dag", "_", "task", "sluice_airflow", "m-x__items", "None", "x-"]
        var spec = """
            pipeline: names
            description: "nul \\0 bell \\a esc \\e cr \\r ls \\u2028 end"
            params:
              items: [1, 2]
            tasks:
              m-x:
                foreach: params.items
                run: echo {{ item }}

            """
        for name in names { spec += "  \(name):\n    needs: [m-x]\n    run: echo \(name)\n" }
        try workspace.write("names.yaml", spec)
        let lint = try CLI.run(["lint", "names.yaml"], cwd: workspace.url)
        #expect(lint.status == 0, "every name here is one lint accepts: \(lint.stdout)\(lint.stderr)")
        let dags = workspace.url.appendingPathComponent("dags")
        let outcome = try CLI.run(["export", "airflow", "names.yaml", "-o", dags.path, "--workspace", "/srv/names"], cwd: workspace.url)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let file = dags.appendingPathComponent("names.py")
        let text = try String(contentsOf: file, encoding: .utf8)
        for name in names + ["m-x"] {
            #expect(text.contains("task_id=\"\(name)\""), "the Airflow task id is the spec's name \(name)")
        }
        #expect(!text.contains("def b-dash") && !text.contains("\u{0}"))
        let python = try CLI.python()
        let parsed = try CLI.execute(python, ["-c", "import ast, sys; ast.parse(open(sys.argv[1], encoding='utf-8').read())", file.path], cwd: dags)
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let checked = try CLI.execute(python, ["-m", "ruff", "check", "--isolated", "--no-cache", "--extend-select", "A,F,E9", file.path], cwd: dags)
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        let formatted = try CLI.execute(python, ["-m", "ruff", "format", "--isolated", "--no-cache", "--check", "--diff", file.path], cwd: dags)
        #expect(formatted.status == 0, "\(formatted.stdout)\(formatted.stderr)")
    }

    /// An existing `sluice_pools.json` in the DAGs folder (other pipelines'
    /// pools, exported before) is merged into, not overwritten; a pool it
    /// holds with another size is an error, and nothing is written.
    @Test func poolsAreMergedIntoAnExistingFile() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("a.yaml", "pipeline: a\npools:\n  api: 2\ntasks:\n  t:\n    pool: api\n    run: \"true\"\n")
        try workspace.write("b.yaml", "pipeline: b\npools:\n  db: 1\n  api: 2\ntasks:\n  t:\n    pool: db\n    run: \"true\"\n")
        try workspace.write("c.yaml", "pipeline: c\npools:\n  api: 5\ntasks:\n  t:\n    pool: api\n    run: \"true\"\n")
        for spec in ["a.yaml", "b.yaml"] {
            let outcome = try CLI.run(["export", "airflow", spec, "-o", "dags", "--workspace", "/srv"], cwd: workspace.url)
            #expect(outcome.status == 0, "\(outcome.stderr)")
        }
        let pools = try #require(workspace.read("dags/sluice_pools.json"))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(pools.utf8)) as? [String: [String: Any]])
        #expect(parsed.keys.sorted() == ["api", "db"], "\(pools)")
        #expect(parsed["api"]?["slots"] as? Int == 2 && parsed["db"]?["slots"] as? Int == 1)
        let conflict = try CLI.run(["export", "airflow", "c.yaml", "-o", "dags", "--workspace", "/srv"], cwd: workspace.url)
        #expect(conflict.status == 2)
        #expect(conflict.stderr.contains("pool \"api\"") && conflict.stderr.contains("5") && conflict.stderr.contains("2"), "\(conflict.stderr)")
        #expect(workspace.read("dags/sluice_pools.json") == pools)
        #expect(!workspace.exists("dags/c.py"))
    }

    /// What Airflow cannot express as Sluice runs it is refused before anything is written.
    @Test func aMappingAirflowCannotExpressIsRefused() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("m.yaml", """
            pipeline: m
            tasks:
              names:
                run: echo 'list=["a"]' >> "$SLUICE_OUTPUTS"
                outputs:
                  list: list[string]
              each:
                needs: [names]
                foreach: names.list
                trigger_rule: always
                run: echo {{ item }}

            """)
        let outcome = try CLI.run(["export", "airflow", "m.yaml", "-o", "dags", "--workspace", "/srv"], cwd: workspace.url)
        // `sluice lint` refuses it (Airflow refuses such a DAG at import), so the export never starts.
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("error[invalid-trigger-rule]"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("task \"each\" maps over names.list with trigger rule \"always\""), "\(outcome.stderr)")
        #expect(!workspace.exists("dags"))
    }

    /// A trigger's params travel as its `conf`, a template rendered when the
    /// trigger task runs (no helper task: it would be one more direct
    /// upstream a branch skips and a trigger rule counts); a trigger mapped
    /// over params expands over one conf per item; one mapped over an output
    /// is refused. `Plan.trigger_param` renders as `sluice run` does.
    @Test func triggerParamsAreTheConfTemplateWithoutAHelperTask() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("child.yaml", """
            pipeline: child
            params:
              data: { id: none, tags: [], n: 0 }
            tasks:
              fit:
                run: echo {{ params.data.id }}

            """)
        try workspace.write("parent.yaml", """
            pipeline: parent
            params:
              names: [a, b]
            tasks:
              build:
                run: echo 'id=ds-7' >> "$SLUICE_OUTPUTS"; echo 'tags=["x","y"]' >> "$SLUICE_OUTPUTS"
                outputs:
                  id: string
                  tags: list[string]
              decide:
                needs: [build]
                branch: [retrain, skip]
                run: echo branch=retrain >> "$SLUICE_OUTPUTS"
              retrain:
                needs: [decide]
                trigger:
                  pipeline: child
                  params:
                    data.id: "{{ build.id }}-{{ run.id }}"
                    data.tags: "{{ build.tags }}"
              skip:
                needs: [decide]
              each:
                needs: [build]
                foreach: params.names
                trigger:
                  pipeline: child
                  params:
                    data.id: "{{ item }}"
                    data.n: "{{ index }}"

            """)
        let outcome = try CLI.run(["export", "airflow", "parent.yaml", "child.yaml", "-o", "dags", "--workspace", "/srv"], cwd: workspace.url)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let dag = workspace.read("dags/parent.py") ?? ""
        #expect(!dag.contains(".conf"), "\(dag)")
        #expect(dag.contains("user_defined_macros=PLAN.macros(),"), "\(dag)")
        #expect(dag.contains("""
                    conf={
                        "sluice_params": {
                            "data.id": "{{ sluice_trigger_param('retrain', 'data.id') }}",
                            "data.tags": "{{ sluice_trigger_param('retrain', 'data.tags') }}",
                        },
                    },
            """), "\(dag)")
        #expect(dag.contains("decide_ >> retrain\n"), "\(dag)")
        #expect(dag.contains(").expand(conf=PLAN.trigger_confs(\"each\"))"), "\(dag)")

        // The runtime renders each param as plain text, from XCom under the output's key.
        let python = try CLI.python()
        let script = """
            import json, sys
            sys.path.insert(0, "dags")
            import sluice_airflow
            plan = sluice_airflow.Plan("dags/parent.py", "parent.plan.json", "/srv")
            class TI:
                def xcom_pull(self, task_ids, key):
                    return [{"id": "ds-7", "tags": ["x", "y"]}[key]]
            context = {"ti": TI(), "params": {"names": ["a", "b"]}, "run_id": "manual__1"}
            print(plan.trigger_param("retrain", "data.id", context))
            print(plan.trigger_param("retrain", "data.tags", context))
            print(json.dumps(plan.trigger_confs("each")))
            print(plan.trigger_param("each", "data.id", context, 1), plan.trigger_param("each", "data.n", context, 1))
            """
        try workspace.write("render.py", script)
        let rendered = try CLI.execute(python, ["render.py"], cwd: workspace.url)
        #expect(rendered.status == 0, "\(rendered.stderr)")
        #expect(rendered.stdout == """
            ds-7-manual__1
            ["x","y"]
            [{"sluice_params": {"data.id": "{{ sluice_trigger_param(\\"each\\", \\"data.id\\", 0) }}", "data.n": "{{ sluice_trigger_param(\\"each\\", \\"data.n\\", 0) }}"}}, \
            {"sluice_params": {"data.id": "{{ sluice_trigger_param(\\"each\\", \\"data.id\\", 1) }}", "data.n": "{{ sluice_trigger_param(\\"each\\", \\"data.n\\", 1) }}"}}]
            b 1

            """, "\(rendered.stdout)")

        try workspace.write("over_output.yaml", """
            pipeline: over_output
            tasks:
              build:
                run: echo 'ids=["a"]' >> "$SLUICE_OUTPUTS"
                outputs:
                  ids: list[string]
              each:
                needs: [build]
                foreach: build.ids
                trigger: { pipeline: child, params: { data.id: "{{ item }}" } }

            """)
        let refused = try CLI.run(["export", "airflow", "over_output.yaml", "child.yaml", "-o", "refused", "--workspace", "/srv"], cwd: workspace.url)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("pipeline over_output, task each: is a trigger mapped over build.ids"), "\(refused.stderr)")
        #expect(!workspace.exists("refused"))
    }

    /// The workspace baked into the DAG files must be absolute; without
    /// --workspace the export says which path it used.
    @Test func theWorkspaceIsAbsoluteAndSaid() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("w.yaml", "pipeline: w\ntasks:\n  a:\n    run: \"true\"\n")
        let relative = try CLI.run(["export", "airflow", "w.yaml", "-o", "dags", "--workspace", "srv/w"], cwd: workspace.url)
        #expect(relative.status == 2)
        #expect(relative.stderr.contains("--workspace") && relative.stderr.contains("absolute"), "\(relative.stderr)")
        #expect(!workspace.exists("dags/w.py"))
        let defaulted = try CLI.run(["export", "airflow", "w.yaml", "-o", "dags"], cwd: workspace.url)
        #expect(defaulted.status == 0, "\(defaulted.stderr)")
        #expect(defaulted.stderr.contains("workspace " + workspace.path), "\(defaulted.stderr)")
        #expect(workspace.read("dags/w.py")?.contains(workspace.path) == true)
    }
}
