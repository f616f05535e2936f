import Foundation
import SluiceBasics
import SluiceColumnar
import SluicePlan
import SluiceSpec
import Testing

/// `sluice schema`: the shipped file is current, the schema accepts every
/// example and rejects misspelled keys, and it stays in step with the
/// decoder's key sets and the plan's vocabularies.
struct SchemaCommandTests {
    static let shipped = "docs/schema/sluice.schema.json"

    /// The schema as `sluice schema` prints it, parsed.
    static func schema() throws -> [String: Any] {
        let outcome = try CLI.run(["schema"])
        try #require(outcome.status == 0, "\(outcome.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
    }

    /// The member at `path` (object keys), or nil.
    static func member(_ object: [String: Any], _ path: String...) -> [String: Any]? {
        path.reduce(Optional(object)) { $0?[$1] as? [String: Any] }
    }

    @Test func outputEqualsTheShippedFile() throws {
        let outcome = try CLI.run(["schema"])
        #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(outcome.stderr)")
        let file = try String(contentsOf: CLI.packageRoot.appendingPathComponent(Self.shipped), encoding: .utf8)
        #expect(outcome.stdout == file,
                "\(Self.shipped) is stale; regenerate it: swift run sluice schema -o \(Self.shipped)")
        #expect(outcome.stdout.hasSuffix("}\n"))
    }

    @Test func dashOWritesTheSameTextAndReportsIOErrors() throws {
        let dir = try CLI.temporaryDirectory()
        let target = dir.appendingPathComponent("sluice.schema.json")
        let written = try CLI.run(["schema", "-o", target.path])
        #expect(written.status == 0 && written.stdout.isEmpty, "\(written.stderr)")
        #expect(try String(contentsOf: target, encoding: .utf8) == (try CLI.run(["schema"])).stdout)
        let failed = try CLI.run(["schema", "-o", dir.appendingPathComponent("no/such/dir/x.json").path])
        #expect(failed.status == 2)
        #expect(failed.stderr.hasPrefix("error: cannot write "), "\(failed.stderr)")
    }

    /// Acceptance: the decoder's keys and the schema's `properties` are the
    /// same sets, object by object, so a key added to one cannot be missing
    /// from the other.
    @Test func propertiesAreExactlyTheDecodersKeys() throws {
        let schema = try Self.schema()
        let objects: [(String, KeySet, [String: Any]?)] = [
            ("top level", SpecParser.topLevelKeys, Self.member(schema, "properties")),
            ("defaults", SpecParser.defaultsKeys, Self.member(schema, "properties", "defaults", "properties")),
            ("task", SpecParser.taskKeys, Self.member(schema, "$defs", "task", "properties")),
            ("output", SpecParser.outputKeys, Self.member(schema, "$defs", "output", "properties")),
            ("input", SpecParser.inputKeys, Self.member(schema, "$defs", "input", "properties")),
        ]
        for (name, keys, properties) in objects {
            let properties = try #require(properties, "no properties for \(name)")
            let schemaKeys = Set(properties.keys), decoderKeys = Set(keys.names)
            #expect(decoderKeys.subtracting(schemaKeys).isEmpty,
                    "\(name): keys the decoder accepts but the schema lacks: \(decoderKeys.subtracting(schemaKeys).sorted())")
            #expect(schemaKeys.subtracting(decoderKeys).isEmpty,
                    "\(name): schema properties the decoder rejects: \(schemaKeys.subtracting(decoderKeys).sorted())")
        }
    }

    /// Editors show descriptions on hover, and `additionalProperties: false`
    /// is what rejects a misspelled key: both on every fixed-key object.
    @Test func everyPropertyIsDescribedAndEveryObjectClosed() throws {
        var problems: [String] = []
        func walk(_ node: Any, _ path: String) {
            if let array = node as? [Any] {
                for (index, item) in array.enumerated() { walk(item, "\(path)/\(index)") }
                return
            }
            guard let object = node as? [String: Any] else { return }
            if let properties = object["properties"] as? [String: Any] {
                if object["additionalProperties"] as? Bool != false { problems.append("\(path): not additionalProperties: false") }
                for (key, property) in properties {
                    let description = (property as? [String: Any])?["description"] as? String ?? ""
                    if description.isEmpty { problems.append("\(path)/properties/\(key): no description (add one in SpecSchema.swift)") }
                }
            }
            for (key, value) in object { walk(value, "\(path)/\(key)") }
        }
        let schema = try Self.schema()
        walk(schema, "#")
        #expect(problems.isEmpty, "\(problems.sorted().joined(separator: "\n"))")
        #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect(schema["required"] as? [String] == ["pipeline", "tasks"])
    }

    @Test func enumsAreThePlansVocabularies() throws {
        let schema = try Self.schema()
        let rules = TriggerRule.allCases.map(\.rawValue)
        #expect(Self.member(schema, "$defs", "task", "properties", "trigger_rule")?["enum"] as? [String] == rules)
        #expect(Self.member(schema, "properties", "defaults", "properties", "trigger_rule")?["enum"] as? [String] == rules)
        #expect(Self.member(schema, "$defs", "columnType")?["enum"] as? [String] == SluiceColumnar.ColumnType.allCases.map(\.rawValue))
        #expect(Self.member(schema, "$defs", "task", "properties", "retry_backoff")?["enum"] as? [String] == ["fixed", "exponential"])
    }

    /// The name patterns say what `IdentifierRule.accepts` says, name by name.
    @Test(arguments: [
        ("pipelineId", IdentifierRule.pipeline), ("taskName", IdentifierRule.task), ("name", IdentifierRule.variable),
    ])
    func namePatternsAgreeWithTheDecoder(definition: String, rule: IdentifierRule) throws {
        let pattern = try #require(Self.member(try Self.schema(), "$defs", definition)?["pattern"] as? String)
        let regex = try NSRegularExpression(pattern: pattern)
        let names = ["daily", "daily_ops2", "Daily", "_x", "x-y", "load-2", "2x", "a.b", "a b", "é", "", "-x", "ETL_Job", "a$"]
        for name in names {
            let matches = regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
            #expect(matches == rule.accepts(name), "\(definition) pattern and the decoder disagree on \"\(name)\"")
        }
    }

    /// The duration pattern follows DurationLiteral's grammar. It is looser
    /// in one place only: `1.0001s` is shaped right but not whole
    /// milliseconds, which only `sluice lint` can tell.
    @Test func durationPatternFollowsTheLiteralGrammar() throws {
        let pattern = try #require(Self.member(try Self.schema(), "$defs", "duration")?["pattern"] as? String)
        let regex = try NSRegularExpression(pattern: pattern)
        let samples = ["500ms", "30s", "5m", "2h", "1d", "0s", "1h30m", "1d2h3m4s5ms", "1.5h", " 10m ", "5ms",
                       "30", "30 seconds", "30 s", "-5m", "1m1h", "1h1h", "5MS", "1.s", ".5s", "", "h", "1h 30m", "10sec"]
        for text in samples {
            let matches = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            let parses = (try? DurationLiteral.parse(text).get()) != nil
            #expect(matches == parses, "duration pattern says \(matches), DurationLiteral says \(parses) for \"\(text)\"")
        }
        #expect(regex.firstMatch(in: "1.0001s", range: NSRange(location: 0, length: 7)) != nil)
    }

    /// A sample spec: its YAML, and whether it is valid (schema and lint agree).
    struct Sample: Sendable {
        var name: String
        var yaml: String
        var valid: Bool
        /// For an invalid sample: text the schema error must contain.
        var error = ""
    }

    static func spec(_ tasks: String, top: String = "") -> String {
        "pipeline: sample\n\(top)tasks:\n\(tasks)"
    }

    static let samples: [Sample] = [
        Sample(name: "empty_tasks_and_single_names", yaml: spec("""
              a:
              b: {}
              c:
                needs: a
                deps: scripts/c.py
                run: true
            """, top: "secrets: API_KEY\n"), valid: true),
        Sample(name: "everything", yaml: spec("""
              per_ticker:
                foreach: params.tickers
                pool: api
                run: echo {{ item }} {{ index }}
              fetch:
                <<: *settings
                env: { MODE: fast, THREADS: 2, DEBUG: false }
                run: echo fetching
                outputs:
                  rows: int
                  tickers: list[string]
                  prices: "table(date: date, close: float64)"
                  report: { type: file, path: out/report.md, description: the report }
              check:
                needs: [fetch]
                cache: True
                trigger_rule: all_done
                inputs:
                  data: { from: fetch.prices, columns: { date: date, close: float64 } }
                run: echo {{ fetch.rows }}
            """, top: """
            description: 2026-01-01
            schedule: "@daily"
            params: { tickers: [AAPL, MSFT], start: 2026-01-01, flag: yes }
            defaults: &settings { retries: 0, retry_delay: 0s, retry_backoff: exponential, timeout: 1h30m, cache: false }
            max_active_tasks: 2
            pools: { api: 2 }
            secrets: [API_KEY]

            """), valid: true),
        Sample(name: "misspelled_task_key", yaml: spec("  a:\n  b:\n    neds: [a]\n"), valid: false, error: "'neds' was unexpected"),
        Sample(name: "misspelled_top_level_key", yaml: spec("  a:\n", top: "schedul: \"@daily\"\n"), valid: false, error: "'schedul' was unexpected"),
        Sample(name: "misspelled_defaults_key", yaml: spec("  a:\n", top: "defaults: { retry: 2 }\n"), valid: false, error: "'retry' was unexpected"),
        Sample(name: "misspelled_output_key", yaml: spec("  a:\n    outputs: { out: { type: file, pth: x } }\n"), valid: false),
        Sample(name: "missing_tasks", yaml: "pipeline: sample\n", valid: false, error: "'tasks' is a required property"),
        Sample(name: "no_tasks", yaml: "pipeline: sample\ntasks: {}\n", valid: false),
        Sample(name: "bad_pipeline_id", yaml: "pipeline: Daily-Ops\ntasks:\n  a:\n", valid: false, error: "pipeline: "),
        Sample(name: "reserved_task_name", yaml: spec("  params:\n"), valid: false),
        Sample(name: "secrets_with_values", yaml: spec("  a:\n", top: "secrets: { API_KEY: abc123 }\n"), valid: false),
        Sample(name: "misspelled_trigger_rule", yaml: spec("  a:\n  b:\n    needs: a\n    trigger_rule: all_sucess\n"), valid: false),
        Sample(name: "duration_in_words", yaml: spec("  a:\n    timeout: 30 seconds\n"), valid: false),
        Sample(name: "duration_without_unit", yaml: spec("  a:\n    retry_delay: 30\n"), valid: false),
        Sample(name: "yaml_1_1_boolean", yaml: spec("  a:\n    cache: yes\n"), valid: false),
        Sample(name: "negative_retries", yaml: spec("  a:\n    retries: -1\n"), valid: false),
        Sample(name: "empty_branch", yaml: spec("  a:\n    branch: []\n"), valid: false),
        Sample(name: "needs_twice", yaml: spec("  a:\n  b:\n    needs: [a, a]\n"), valid: false),
        Sample(name: "zero_pool_slots", yaml: spec("  a:\n", top: "pools: { api: 0 }\n"), valid: false),
    ]

    /// Acceptance: with Python's jsonschema (the schema checked against the
    /// 2020-12 metaschema first) every example pipeline and every valid
    /// sample validates, and every invalid sample is rejected. `sluice lint`
    /// agrees on each sample, so the schema neither flags what sluice
    /// accepts nor lets through what it rejects (in these cases).
    @Test func jsonschemaAcceptsTheExamplesAndRejectsMistakes() throws {
        let dir = try CLI.temporaryDirectory()
        var files: [String: Sample] = [:]
        for sample in Self.samples {
            let path = dir.appendingPathComponent("\(sample.name).yaml").path
            try Data(sample.yaml.utf8).write(to: URL(fileURLWithPath: path))
            files[path] = sample
        }
        let examples = try FileManager.default.contentsOfDirectory(atPath: CLI.packageRoot.appendingPathComponent("pipelines").path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { CLI.packageRoot.appendingPathComponent("pipelines/\($0)").path }
        #expect(examples.count >= 5)
        let script = CLI.packageRoot.appendingPathComponent("Tests/SluiceCLITests/Fixtures/schema/validate_specs.py").path
        let schema = CLI.packageRoot.appendingPathComponent(Self.shipped).path
        let check = try CLI.execute(try CLI.python(), [script, schema] + examples + files.keys.sorted(), cwd: dir)
        try #require(check.status == 0, "\(check.stdout)\(check.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: [String]])
        for example in examples {
            #expect(report[example] == [], "\(example) should validate: \(report[example] ?? ["missing from the report"])")
        }
        for (path, sample) in files.sorted(by: { $0.key < $1.key }) {
            let errors = try #require(report[path], "\(sample.name) missing from the report")
            if sample.valid {
                #expect(errors.isEmpty, "\(sample.name) should validate: \(errors)")
            } else {
                #expect(!errors.isEmpty, "\(sample.name) should be rejected by the schema")
                #expect(sample.error.isEmpty || errors.contains { $0.contains(sample.error) }, "\(sample.name): \(errors)")
            }
            // --strict for the invalid ones: a secret's value in the file is a warning.
            let lint = try CLI.run(["lint", "--color", "never"] + (sample.valid ? [] : ["--strict"]) + [path])
            #expect((lint.status == 0) == sample.valid, "sluice lint disagrees with the schema on \(sample.name):\n\(lint.stdout)\(lint.stderr)")
        }
    }
}
