import Foundation
import Testing

/// `show`, `runs`, `graph --run` and `run --resume` read a workspace's runs
/// through one store: the same journal versions, the same `latest`
/// (docs/executor.md "The run directory"). Each test asks every command about
/// the same records and expects one answer.
struct RunStoreAgreementTests {
    static let spec = """
        pipeline: p
        tasks:
          hello:
            run: echo hi

        """

    /// A workspace holding `p.yaml`, and the SHA-256 its plan carries (a journal needs it for `--resume`).
    static func workspace() throws -> (RunWorkspace, String) {
        let workspace = try RunWorkspace()
        try workspace.write("p.yaml", spec)
        let plan = try CLI.run(["plan", "p.yaml"], cwd: workspace.url)
        let object = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any]
        let sha = try #require(object?["source_sha256"] as? String, "\(plan.stderr)")
        return (workspace, sha)
    }

    /// A finished run of `p` as the executor journals it, started at `started`.
    static func journal(_ workspace: RunWorkspace, id: String, started: String, sha: String, version: String? = "1") throws {
        let versionMember = version.map { #","version":\#($0)"# } ?? ""
        try workspace.write(".sluice/runs/p/\(id)/journal.jsonl", """
            {"event":"run_started","run_id":"\(id)","pipeline":"p","time":"\(started)","parent_run_id":null\(versionMember),"source_sha256":"\(sha)","workspace":"\(workspace.path)","pid":1}
            {"event":"task","task":"hello","map_index":null,"try":1,"state":"success","time":"\(started)","exit_code":0,"outputs":{},"cache_hit":false}
            {"event":"run_finished","state":"success","time":"\(started)"}

            """)
    }

    /// What each command takes `latest` to be.
    static func latestSeenBy(_ workspace: RunWorkspace) throws -> [String: String] {
        var seen: [String: String] = [:]
        let show = try CLI.run(["show", "latest", "--format", "json"], cwd: workspace.url)
        let shown = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
        seen["show latest"] = shown?["run_id"] as? String ?? "(\(show.stderr))"
        let runs = try CLI.run(["runs", "--format", "json"], cwd: workspace.url)
        let listed = (try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]]
        seen["runs (first)"] = listed?.first?["run_id"] as? String ?? "(\(runs.stderr))"
        let graph = try CLI.run(["graph", "p.yaml", "--run", "latest"], cwd: workspace.url)
        // The drawing's caption: `label="p\nrun <id> (success)"`.
        let caption = graph.stdout.components(separatedBy: "\\nrun ").dropFirst().first?.components(separatedBy: " ").first
        seen["graph --run latest"] = caption ?? "(\(graph.stderr))"
        let resume = try CLI.run(["run", "p.yaml", "--resume", "latest"], cwd: workspace.url)
        let resumed = resume.stdout.components(separatedBy: "run ").dropFirst().first?.components(separatedBy: " ").first
        seen["run --resume latest"] = resumed ?? "(\(resume.stderr))"
        return seen
    }

    /// Two runs started at once: A made its directory first (its id is
    /// older) but journaled `run_started` after B. Every command must call
    /// the same one `latest`.
    @Test func everyCommandTakesTheSameRunForLatest() throws {
        let (workspace, sha) = try Self.workspace()
        defer { workspace.cleanUp() }
        try Self.journal(workspace, id: "20261121T060000.100Z-aaaaaa", started: "2026-11-21T06:00:00.300Z", sha: sha)
        try Self.journal(workspace, id: "20261121T060000.200Z-bbbbbb", started: "2026-11-21T06:00:00.250Z", sha: sha)
        let seen = try Self.latestSeenBy(workspace)
        #expect(Set(seen.values) == ["20261121T060000.200Z-bbbbbb"], "\(seen)")
    }

    /// Ids of two formats in one second (`…060000Z-…` as the graph docs
    /// write them, `…060000.500Z-…` as the executor does) are compared as
    /// times, not as text: `Z` sorts after `.`, but 06:00:00.5 is later.
    @Test func idsAreComparedAsTimes() throws {
        let (workspace, sha) = try Self.workspace()
        defer { workspace.cleanUp() }
        try Self.journal(workspace, id: "20261121T060000Z-aaaa", started: "2026-11-21T06:00:00Z", sha: sha)
        try Self.journal(workspace, id: "20261121T060000.500Z-bbbbbb", started: "2026-11-21T06:00:00.500Z", sha: sha)
        let seen = try Self.latestSeenBy(workspace)
        #expect(Set(seen.values) == ["20261121T060000.500Z-bbbbbb"], "\(seen)")
    }

    /// A journal version outside what this sluice reads is refused by every
    /// reader with the same words, and one it reads is read by all of them.
    @Test func everyReaderHasTheSameVersionRule() throws {
        for (version, readable) in [("0", false), ("2", false), ("\"1\"", false), ("1", true), (nil, true)] as [(String?, Bool)] {
            let (workspace, sha) = try Self.workspace()
            defer { workspace.cleanUp() }
            let id = "20261121T060000.100Z-aaaaaa"
            try Self.journal(workspace, id: id, started: "2026-11-21T06:00:00.100Z", sha: sha, version: version)
            let show = try CLI.run(["show", id], cwd: workspace.url)
            let graph = try CLI.run(["graph", "p.yaml", "--run", id], cwd: workspace.url)
            let resume = try CLI.run(["run", "p.yaml", "--resume", id], cwd: workspace.url)
            let runs = try CLI.run(["runs"], cwd: workspace.url)
            let label = "version \(version ?? "absent")"
            if readable {
                #expect(show.status == 0 && graph.status == 0 && resume.status == 0, "\(label): \(show.stderr)\(graph.stderr)\(resume.stderr)")
                #expect(runs.stdout.contains(id) && runs.stderr.isEmpty, "\(label): \(runs.stdout)\(runs.stderr)")
                continue
            }
            let refusal = "journal format version \(version ?? "") is not one this sluice reads (it reads version 1)"
            for (command, outcome) in [("show", show), ("graph", graph), ("run --resume", resume)] {
                #expect(outcome.status == 2 && outcome.stderr.contains(refusal), "\(label), \(command): \(outcome.status) \(outcome.stderr)")
                #expect(outcome.stderr.contains(".sluice/runs/p/\(id)/journal.jsonl"), "\(label), \(command) names the file: \(outcome.stderr)")
            }
            // `runs` lists what it can read and says what it left out.
            #expect(!runs.stdout.contains(id) && runs.stderr.contains(refusal), "\(label), runs: \(runs.stdout)\(runs.stderr)")
        }
    }

    /// A journal line counts once its newline is written (what `--resume`
    /// keeps): a last line without one is a torn record for every reader.
    @Test func aRecordCountsOnceItsNewlineIsWritten() throws {
        let (workspace, sha) = try Self.workspace()
        defer { workspace.cleanUp() }
        let id = "20261121T060000.100Z-aaaaaa"
        try Self.journal(workspace, id: id, started: "2026-11-21T06:00:00.100Z", sha: sha)
        let path = ".sluice/runs/p/\(id)/journal.jsonl"
        let whole = try #require(workspace.read(path))
        try workspace.write(path, String(whole.dropLast()))  // the run_finished line loses its newline
        let shown = try workspace.show(id)
        let graph = try CLI.run(["graph", "p.yaml", "--run", id], cwd: workspace.url)
        #expect(shown.state == "interrupted")
        #expect(graph.status == 0 && graph.stdout.contains("run \(id) (unfinished)"), "\(graph.stdout)")
    }

    /// A `task` line whose time cannot be read is not an event for any
    /// reader: `show` leaves it out, and `graph --run` leaves it out with a warning.
    @Test func aTaskLineWithoutATimeIsNoEventForAnyReader() throws {
        let (workspace, sha) = try Self.workspace()
        defer { workspace.cleanUp() }
        let id = "20261121T060000.100Z-aaaaaa"
        try workspace.write(".sluice/runs/p/\(id)/journal.jsonl", """
            {"event":"run_started","run_id":"\(id)","pipeline":"p","time":"2026-11-21T06:00:00.100Z","parent_run_id":null,"version":1,"source_sha256":"\(sha)","workspace":"\(workspace.path)","pid":1}
            {"event":"task","task":"hello","map_index":null,"try":1,"state":"failed","time":"…","exit_code":1}

            """)
        let shown = try workspace.show(id)
        let graph = try CLI.run(["graph", "p.yaml", "--run", id], cwd: workspace.url)
        #expect((shown.json["tasks"] as? [Any])?.isEmpty == true, "\(shown.json)")
        #expect(graph.status == 0 && graph.stdout.contains("\"hello\" [label=\"hello\", fillcolor=\"#ffffff\""), "\(graph.stdout)")
        #expect(graph.stderr.contains("journal.jsonl:2: skipped a line that is not a journal event"), "\(graph.stderr)")
    }
}
