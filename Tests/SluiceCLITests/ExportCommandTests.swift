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
    }
}
