import Foundation
import Testing

/// Paths and names from specs and hand-edited plans cannot reach outside the
/// workspace: `params_file` is confined like `deps`, and every id a plan
/// carries is checked with the spec's name rules when the plan is loaded.
@Suite("paths from specs and plans")
struct HostilePathsTests {
    @Test(arguments: ["/etc/passwd", "../outside/secret.yaml", "sub/../../outside/secret.yaml"])
    func aParamsFileOutsideTheWorkspaceIsNeverRead(paramsFile: String) throws {
        let root = try RunWorkspace()
        defer { root.cleanUp() }
        try root.write("outside/secret.yaml", "canary:\n  value: c4nary-0utside-v4lue\nbroken: [\n")
        try root.write("ws/p.yaml", """
            pipeline: p
            params_file: \(paramsFile)
            tasks:
              a:
                run: echo {{ params.canary.value }}

            """)
        let workspace = root.url.appendingPathComponent("ws")
        for command in [["lint", "p.yaml"], ["plan", "p.yaml"], ["export", "airflow", "p.yaml", "-o", "dags", "--workspace", "/srv/p"]] {
            let outcome = try CLI.run(command, cwd: workspace)
            #expect(outcome.status == 1, "\(command): \(outcome.stdout)\(outcome.stderr)")
            let streams = outcome.stdout + outcome.stderr
            #expect(streams.contains("path-escape"), "\(command): \(streams)")
            #expect(!streams.contains("c4nary") && !streams.contains("root:"), "\(command) shows the file's lines: \(streams)")
        }
        #expect(!root.exists("ws/dags/p.py"))
    }

    /// A plan edited by hand: names that would be paths are refused by every command that loads it.
    @Test(arguments: [
        (#""pipeline": "plain""#, #""pipeline": "../../escaped_dag""#),
        (#""id": "a""#, #""id": "../a""#),
        (#""name": "n""#, #""name": "n/../../x""#),
        (#""slots""#, #""../pool""#),
    ])
    func aPlanWithANameThatIsAPathIsRefused(original: String, hostile: String) throws {
        let root = try RunWorkspace()
        defer { root.cleanUp() }
        try root.write("ws/plain.yaml", """
            pipeline: plain
            pools:
              slots: 1
            tasks:
              a:
                pool: slots
                run: echo "n=1" >> "$SLUICE_OUTPUTS"
                outputs:
                  n: int

            """)
        let workspace = root.url.appendingPathComponent("ws")
        let planned = try CLI.run(["plan", "plain.yaml", "-o", "plain.json"], cwd: workspace)
        #expect(planned.status == 0, "\(planned.stderr)")
        let text = try #require(root.read("ws/plain.json"))
        #expect(text.contains(original), "the fixture's plan spells \(original): \(text)")
        try root.write("ws/evil.json", text.replacingOccurrences(of: original, with: hostile))
        let commands = [
            ["export", "airflow", "evil.json", "-o", "dags/inner", "--workspace", "/srv/x"],
            ["run", "evil.json"],
            ["graph", "evil.json"],
            ["task-run", "evil.json", "--task", "a", "--workspace", workspace.path, "--run-id", "r1"],
        ]
        for command in commands {
            let outcome = try CLI.run(command, cwd: workspace)
            #expect(outcome.status == 2, "\(command): \(outcome.stdout)\(outcome.stderr)")
            #expect(outcome.stderr.contains("evil.json") && outcome.stderr.contains("not a valid"), "\(command): \(outcome.stderr)")
        }
        let written = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        #expect(written.filter { $0.hasSuffix(".py") || $0.contains(".sluice") }.isEmpty, "nothing was written: \(written)")
    }
}
