import Foundation
import Testing

/// docs/schema/{plan,show,runs}.schema.json describe the JSON that `sluice
/// plan`, `sluice show --format json` and `sluice runs --format json` print.
/// They are held to real outputs: every example's plan, and the records of
/// runs that have mapped, branched, skipped, cached, retried, checked and
/// triggered instances. The schemas close every object, so a field added to
/// an output without its schema fails here.
struct OutputSchemasTests {
    static let validator = """
        import json, sys
        from jsonschema import Draft202012Validator
        failures = 0
        for pair in sys.argv[1:]:
            schema_path, instance_path = pair.split("=", 1)
            schema = json.load(open(schema_path))
            Draft202012Validator.check_schema(schema)
            errors = list(Draft202012Validator(schema).iter_errors(json.load(open(instance_path))))
            for error in errors[:5]:
                print(f"{instance_path}: {'/'.join(map(str, error.absolute_path))}: {error.message[:300]}")
            failures += bool(errors)
            print(f"{instance_path}: {'valid' if not errors else 'INVALID'}")
        sys.exit(1 if failures else 0)
        """

    /// The venv's Python when it has jsonschema; nil (the caller skips, saying so) otherwise.
    static func pythonWithJSONSchema() -> URL? {
        guard let python = try? CLI.python(),
              let probe = try? CLI.execute(python, ["-c", "import jsonschema"], cwd: CLI.packageRoot), probe.status == 0 else {
            return nil
        }
        return python
    }

    /// Validates each (schema name, JSON text) pair; returns the validator's report.
    static func validate(_ documents: [(schema: String, json: String)], in dir: URL, python: URL) throws -> CLI.Outcome {
        var pairs: [String] = []
        for (number, document) in documents.enumerated() {
            let file = dir.appendingPathComponent("\(number)-\(document.schema).json")
            try Data(document.json.utf8).write(to: file)
            pairs.append(CLI.packageRoot.appendingPathComponent("docs/schema/\(document.schema).schema.json").path + "=" + file.path)
        }
        return try CLI.execute(python, ["-c", validator] + pairs, cwd: dir)
    }

    static let spec = """
        pipeline: shapes
        params:
          cities: [Oslo, Lima]
        tasks:
          measure:
            foreach: params.cities
            run: printf 'letters=%s\\n' 4 >> "$SLUICE_OUTPUTS"
            outputs: { letters: int }
          table:
            run: printf 'city,n\\nOslo,1\\nLima,2\\n' > "$SLUICE_TABLE_CITIES"
            outputs:
              cities: "table(city: string, n: int64)"
            checks:
              cities:
                - unique: [city]
                - { rows: { min: 5 }, severity: warning }
          decide:
            needs: [measure, table]
            branch: [left, right]
            run: echo branch=left >> "$SLUICE_OUTPUTS"
          left:
            needs: [decide]
            env: { LETTERS: "{{ measure.letters }}" }
            run: echo "$LETTERS" {{ table.cities }}
          right:
            needs: [decide]
          strict:
            run: printf 'n\\n1\\n1\\n' > "$SLUICE_TABLE_T"
            outputs: { t: "table(n: int64)" }
            checks:
              t: [{ unique: [n] }]
          flaky:
            retries: 1
            timeout: 1m
            run: exit 3
          child:
            trigger: other

        """

    @Test func plansRunRecordsAndRunListsMatchTheirSchemas() throws {
        guard let python = Self.pythonWithJSONSchema() else {
            print("skipped: OutputSchemasTests needs Python with jsonschema (scripts/bootstrap installs it; or set SLUICE_PYTHON)")
            return
        }
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("shapes.yaml", Self.spec)
        try workspace.write("other.yaml", "pipeline: other\ntasks:\n  hello:\n    run: echo hi\n")
        let first = try workspace.run("shapes.yaml")
        #expect(first.status == 1, "the flaky task fails the run: \(first.stdout)\(first.stderr)")
        let second = try workspace.run("shapes.yaml")
        #expect(second.status == 1, "\(second.stdout)\(second.stderr)")

        var documents: [(schema: String, json: String)] = []
        let examples = try FileManager.default.contentsOfDirectory(atPath: CLI.packageRoot.appendingPathComponent("pipelines").path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(examples.count >= 5)
        for example in examples {
            let plan = try CLI.run(["plan", "pipelines/\(example)"])
            #expect(plan.status == 0, "\(example): \(plan.stderr)")
            documents.append(("plan", plan.stdout))
        }
        let plan = try CLI.run(["plan", "shapes.yaml"], cwd: workspace.url)
        #expect(plan.status == 0, "\(plan.stderr)")
        documents.append(("plan", plan.stdout))

        let runs = try CLI.run(["runs", "--format", "json"], cwd: workspace.url)
        #expect(runs.status == 0, "\(runs.stderr)")
        documents.append(("runs", runs.stdout))
        let listed = try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [String: Any]
        let runIDs = (listed?["runs"] as? [[String: Any]] ?? []).compactMap { $0["run_id"] as? String }
        #expect(runIDs.count == 4, "two runs of shapes, each with a child run of other: \(runs.stdout)")
        var shown: [String] = []
        for runID in runIDs {
            let show = try CLI.run(["show", runID, "--format", "json"], cwd: workspace.url)
            #expect(show.status == 0, "\(show.stderr)")
            documents.append(("show", show.stdout))
            shown.append(show.stdout)
        }
        // The records exercise what the schemas describe.
        let all = shown.joined()
        for fact in ["\"cache_hit\": true", "\"state\": \"skipped\"", "\"state\": \"cached\"", "\"label\": \"Lima\"",
                     "\"status\": \"failed\"", "\"status\": \"warned\"", "\"severity\": \"warning\"", "\"exit_code\": 3", "\"parent_run_id\": \"2"] {
            #expect(all.contains(fact), "no run record shows \(fact)")
        }

        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = try Self.validate(documents, in: dir, python: python)
        #expect(report.status == 0, "\(report.stdout)\(report.stderr)")
        #expect(report.stdout.components(separatedBy: ": valid").count - 1 == documents.count, "\(report.stdout)")

        // The schemas are closed: a field the outputs do not have is rejected.
        func withExtraField(_ json: String) -> String { "{\"surprise\": 1, " + json.drop { $0 != "{" }.dropFirst() }
        let extra = try Self.validate([("plan", withExtraField(plan.stdout)), ("show", withExtraField(shown[0])),
                                       ("runs", withExtraField(runs.stdout))], in: dir, python: python)
        #expect(extra.status == 1)
        #expect(extra.stdout.components(separatedBy: ": INVALID").count - 1 == 3, "\(extra.stdout)")
    }
}
