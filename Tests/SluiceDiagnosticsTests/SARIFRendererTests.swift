import Foundation
import Testing
@testable import SluiceDiagnostics

@Suite("SARIFRenderer")
struct SARIFRendererTests {
    let renderer = SARIFRenderer(toolVersion: "0.1.0", informationURI: "https://example.invalid/sluice")
    let sample = [
        diagnostic((12, 13), (12, 16), message: #"task "report" needs "lod""#, notes: ["n1"], help: #"did you mean "load"?"#),
        diagnostic((3, 1), (5, 2), file: "./pipelines/my dir/a.yaml", rule: .unusedOutput, message: "w"),
        diagnostic((1, 1), (1, 1), file: "/abs/ä#b.yaml", rule: .pathEscape, severity: .note, message: "n"),
        diagnostic((0, 0), (0, 0), file: "c:d.yaml", rule: .yamlSyntax, message: "broken"),
    ]

    func parsed(_ diagnostics: [Diagnostic]) throws -> [String: Any] {
        let data = Data(renderer.render(diagnostics).utf8)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func logHasTheDriverAndEveryRule() throws {
        let log = try parsed(sample)
        #expect(log["$schema"] as? String == SARIFRenderer.schemaURI)
        #expect(log["version"] as? String == "2.1.0")
        let runs = try #require(log["runs"] as? [[String: Any]])
        #expect(runs.count == 1)
        #expect(runs[0]["columnKind"] as? String == "unicodeCodePoints")
        let driver = try #require((runs[0]["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "sluice")
        #expect(driver["semanticVersion"] as? String == "0.1.0")
        #expect(driver["informationUri"] as? String == "https://example.invalid/sluice")
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.map { $0["id"] as? String } == Rule.allCases.map(\.id))
        for (rule, descriptor) in zip(Rule.allCases, rules) {
            #expect((descriptor["shortDescription"] as? [String: Any])?["text"] as? String == rule.summary)
            #expect((descriptor["defaultConfiguration"] as? [String: Any])?["level"] as? String == rule.defaultSeverity.rawValue)
            #expect((descriptor["name"] as? String)?.contains("-") == false)
        }
        #expect(rules.first?["name"] as? String == "YamlSyntax")
    }

    @Test func resultsCarryRuleLevelMessageAndRegion() throws {
        let runs = try #require(try parsed(sample)["runs"] as? [[String: Any]])
        let results = try #require(runs[0]["results"] as? [[String: Any]])
        #expect(results.count == 4)
        let error = try #require(results.first { $0["ruleId"] as? String == "unknown-task" })
        #expect(error["ruleIndex"] as? Int == Rule.allCases.firstIndex(of: .unknownTask))
        #expect(error["level"] as? String == "error")
        #expect((error["message"] as? [String: Any])?["text"] as? String
            == "task \"report\" needs \"lod\"\nnote: n1\nhelp: did you mean \"load\"?")
        let location = try #require((error["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        #expect(location["region"] as? [String: Int] == ["startLine": 12, "startColumn": 13, "endLine": 12, "endColumn": 16])
        #expect(location["artifactLocation"] as? [String: String] == ["uri": "pipelines/x.yaml", "uriBaseId": "%SRCROOT%"])
        let note = try #require(results.first { $0["ruleId"] as? String == "path-escape" })
        #expect(note["level"] as? String == "note")
    }

    @Test(arguments: [
        ("pipelines/x.yaml", "pipelines/x.yaml", true), ("./pipelines/my dir/a.yaml", "pipelines/my%20dir/a.yaml", true),
        ("c:d.yaml", "c%3Ad.yaml", true), ("/abs/ä#b.yaml", "file:///abs/%C3%A4%23b.yaml", false),
        ("a%b?.yaml", "a%25b%3F.yaml", true),
    ])
    func artifactURIs(path: String, uri: String, relative: Bool) {
        var expected: [String: JSONValue] = ["uri": .string(uri)]
        if relative { expected["uriBaseId"] = .string("%SRCROOT%") }
        #expect(SARIFRenderer.artifactLocation(path) == .object(expected))
    }

    @Test func outputIsDeterministic() {
        #expect(renderer.render(sample) == renderer.render(sample.reversed()))
        #expect(SARIFRenderer(toolVersion: "1.0.0").render([]).contains("informationUri") == false)
    }

    /// The acceptance check: the log validates against the official SARIF
    /// 2.1.0 schema with Python's `jsonschema`. A missing interpreter or
    /// schema is a failure, not a skip: CI must not pass by accident.
    @Test func validatesAgainstTheOfficialSchema() throws {
        for log in [renderer.render(sample), SARIFRenderer(toolVersion: "0.0.1").render([])] {
            try SchemaValidator.validate(log)
        }
    }
}

/// Runs the venv's `jsonschema` over a SARIF log.
enum SchemaValidator {
    static let script = """
        import json, sys
        import jsonschema
        schema = json.load(open(sys.argv[1], encoding="utf-8"))
        log = json.load(open(sys.argv[2], encoding="utf-8"))
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        errors = sorted(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(log), key=lambda e: list(e.path))
        for e in errors:
            print("/".join(map(str, e.path)) + ": " + e.message)
        sys.exit(1 if errors else 0)
        """

    static func validate(_ log: String) throws {
        let python = TestPaths.python
        try #require(FileManager.default.isExecutableFile(atPath: python),
                     "no python at \(python): create /work/main/.venv with jsonschema (pip install jsonschema) or set SLUICE_PYTHON")
        let located = TestPaths.sarifSchema
        guard let schema = located.path else {
            print("skipped: SARIF schema validation: \(located.reason)")
            return
        }
        let logFile = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-\(UUID().uuidString).sarif")
        try Data(log.utf8).write(to: logFile)
        defer { try? FileManager.default.removeItem(at: logFile) }
        let (status, output) = try run(python, ["-c", script, schema, logFile.path])
        #expect(status == 0, "SARIF log does not validate (or jsonschema is not installed in \(python)):\n\(output)")
    }

    private static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
