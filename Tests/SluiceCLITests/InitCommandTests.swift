import Foundation
import Testing

/// `sluice init`: the scaffold lints clean with --strict and runs, and
/// nothing is ever overwritten.
struct InitCommandTests {
    static let written = ["pipeline.yaml", "params.yaml", "scripts/sales.py"]

    @Test func scaffoldLintsCleanStrictAndRuns() throws {
        let dir = try CLI.temporaryDirectory().appendingPathComponent("Sales Demo-2")
        let created = try CLI.run(["init", dir.path])
        #expect(created.status == 0, "\(created.stderr)")
        for file in Self.written {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), "\(file) not written")
            #expect(created.stdout.contains("created \(dir.path)/\(file)"))
        }
        #expect(created.stdout.contains("sluice run '\(dir.path)/pipeline.yaml'"), "paths with spaces are quoted: \(created.stdout)")
        let spec = try String(contentsOf: dir.appendingPathComponent("pipeline.yaml"), encoding: .utf8)
        #expect(spec.contains("\npipeline: sales_demo_2\n"), "the id comes from the directory name")

        let lint = try CLI.run(["lint", "--strict", dir.path])
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        #expect(lint.stdout.contains("no problems in 1 file"))

        let run = try CLI.run(["run", dir.appendingPathComponent("pipeline.yaml").path, "--color", "never"], cwd: dir)
        if run.status != 0, (run.stdout + run.stderr).contains("not available yet") {
            // `sluice run` not built yet: a known gap that turns into a real check once it lands.
            withKnownIssue("sluice run is not available yet") { Issue.record("\(run.stderr)") }
            return
        }
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let show = try CLI.run(["show", "latest", "--format", "json", "--workspace", dir.path], cwd: dir)
        #expect(show.status == 0, "\(show.stderr)")
        let record = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(record["state"] as? String == "success")
        let tasks = try #require(record["tasks"] as? [[String: Any]])
        let outputs = Dictionary(uniqueKeysWithValues: tasks.compactMap { task in
            (task["task"] as? String).map { ($0, task["outputs"] as? [String: Any] ?? [:]) }
        })
        #expect(outputs["generate"]?["rows"] as? Int == 21, "3 stores x 7 days, from params.yaml")
        #expect(["berlin", "paris", "rome"].contains(outputs["summarize"]?["best_store"] as? String ?? ""))
        #expect((outputs["summarize"]?["total_revenue"] as? Double ?? 0) > 0)
    }

    @Test func refusesToOverwriteAndWritesNothing() throws {
        let dir = try CLI.temporaryDirectory()
        try "mine: true\n".write(to: dir.appendingPathComponent("params.yaml"), atomically: true, encoding: .utf8)
        let refused = try CLI.run(["init", dir.path])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("\(dir.path)/params.yaml already exists"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("pipeline.yaml").path), "nothing is written on refusal")
        #expect(try String(contentsOf: dir.appendingPathComponent("params.yaml"), encoding: .utf8) == "mine: true\n")

        let fresh = try CLI.temporaryDirectory()
        #expect(try CLI.run(["init"], cwd: fresh).status == 0, "DIR defaults to the current directory")
        let again = try CLI.run(["init", "."], cwd: fresh)
        #expect(again.status == 2)
        #expect(again.stderr.contains("pipeline.yaml already exists"))
    }

    @Test func nameOptionIsValidated() throws {
        let dir = try CLI.temporaryDirectory()
        let bad = try CLI.run(["init", dir.path, "--name", "Daily-Sales"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("not a pipeline id"))
        #expect(try CLI.run(["init", dir.path, "--name", "daily_sales"]).status == 0)
        let spec = try String(contentsOf: dir.appendingPathComponent("pipeline.yaml"), encoding: .utf8)
        #expect(spec.contains("\npipeline: daily_sales\n"))
    }
}
