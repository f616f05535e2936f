import Foundation
import Testing

/// `sluice task-run`: one attempt of one task, as every task of an exported
/// Airflow DAG runs it, through the executor's own code.
@Suite("sluice task-run")
struct TaskRunTests {
    static let spec = """
        pipeline: handoff
        params:
          greeting: hello
          letters: [a, b]
        secrets: [HANDOFF_TOKEN]
        tasks:
          produce:
            run: printf 'n=3\\nlabel=x\\n' >> "$SLUICE_OUTPUTS"
            outputs:
              n: int
              label: string
          consume:
            needs: [produce]
            env:
              LABEL: "{{ produce.label }}"
            run: |
              printf 'a,b\\n%s,%s\\n' {{ produce.n }} "$LABEL" > "$SLUICE_TABLE_ROWS"
              echo "total=$(( {{ produce.n }} * 2 ))" >> "$SLUICE_OUTPUTS"
              echo "said={{ params.greeting }} {{ run.id }} {{ run.date }} $SLUICE_TRY $SLUICE_RUN_ID" >> "$SLUICE_OUTPUTS"
              echo "to stdout"; echo "to stderr, token $HANDOFF_TOKEN" >&2
            outputs:
              total: int
              said: string
              rows: "table(a: int64, b: string)"
          quote:
            needs: [produce]
            run: |
              printf '%s' {{ produce.label }} > plain.txt
              echo "dq={{ produce.label }}" >> "$SLUICE_OUTPUTS"
            outputs:
              dq: string
          broken:
            run: echo partial; exit 3
          mistyped:
            run: echo "count=many" >> "$SLUICE_OUTPUTS"
            outputs:
              count: int
          slow:
            timeout: 1s
            run: sleep 60 & echo $! > slow.pid; wait
          fan:
            foreach: params.letters
            run: echo "v=$(printf '%s' {{ item }})-{{ index }}" >> "$SLUICE_OUTPUTS"
            outputs:
              v: string
          gather:
            needs: [fan]
            run: printf '[%s]' {{ fan.v }} > gathered.txt
          decide:
            branch: [left, right]
            run: echo "branch={{ params.greeting }}" >> "$SLUICE_OUTPUTS"
          left:
            needs: [decide]
          right:
            needs: [decide]

        """

    struct Attempt {
        var outcome: CLI.Outcome
        var line: [String: Any]
        var state: String? { line["state"] as? String }
        var outputs: [String: Any] { line["outputs"] as? [String: Any] ?? [:] }
        var message: String? { line["message"] as? String }
    }

    /// A workspace holding the spec and its plan (as `sluice export airflow` writes one).
    static func workspace() throws -> RunWorkspace {
        let workspace = try RunWorkspace()
        try workspace.write("handoff.yaml", spec)
        let planned = try CLI.run(["plan", "handoff.yaml", "-o", "handoff.plan.json"], cwd: workspace.url)
        #expect(planned.status == 0, "\(planned.stderr)")
        return workspace
    }

    static func taskRun(_ workspace: RunWorkspace, _ task: String, _ extra: [String] = [], runID: String = "manual__t1",
                        environment: [String: String] = [:]) throws -> Attempt {
        let outcome = try CLI.run(["task-run", "handoff.plan.json", "--task", task, "--workspace", workspace.path, "--run-id", runID,
                                   "--run-date", "2026-01-02"] + extra,
                                  cwd: workspace.url, environment: ["SLUICE_KILL_GRACE_MS": "300"].merging(environment) { $1 })
        #expect(!outcome.crashed, "sluice task-run crashed: \(outcome.stderr)")
        let last = outcome.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let line = (try? JSONSerialization.jsonObject(with: Data(last.utf8))) as? [String: Any]
        #expect(line != nil, "the last line of stdout is not a JSON object: \(outcome.stdout)\n\(outcome.stderr)")
        return Attempt(outcome: outcome, line: line ?? [:])
    }

    @Test func runsOneAttemptWithUpstreamValuesAndWritesItsRecords() throws {
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        let secret = "t0ken-Value-99"
        let attempt = try Self.taskRun(workspace, "consume", ["--try", "2", "--params", #"{"greeting": "hi there", "letters": []}"#,
                                                              "--upstream", #"{"produce.n": 21, "produce.label": "x y"}"#],
                                       environment: ["HANDOFF_TOKEN": secret])
        #expect(attempt.outcome.status == 0, "\(attempt.outcome.stderr)")
        #expect(attempt.state == "success")
        #expect(attempt.line["task"] as? String == "consume")
        #expect(attempt.line["map_index"] is NSNull)
        #expect(attempt.message == nil)
        #expect(attempt.outputs["total"] as? Int == 42)
        #expect(attempt.outputs["said"] as? String == "hi there manual__t1 2026-01-02 2 manual__t1")
        let records = workspace.path + "/.sluice/airflow/handoff/manual__t1"
        let rows = try #require(attempt.outputs["rows"] as? String)
        #expect(rows == records + "/outputs/consume/rows.arrow")
        let csv = try CLI.run(["cat", rows, "--format", "csv"])
        #expect(csv.stdout == "a,b\n21,x y\n", "\(csv.stderr)")
        // Declared order in the line, as the journal records a local run's outputs.
        let last = try #require(attempt.outcome.stdout.split(separator: "\n").last)
        #expect(last.hasPrefix(#"{"task":"consume","map_index":null,"state":"success","outputs":{"total":42,"said":"#))
        // The task's output goes to stderr (for Airflow's task log) and to the attempt's log, masked.
        #expect(attempt.outcome.stderr.contains("to stdout") && attempt.outcome.stderr.contains("to stderr, token ***"))
        let log = try #require(workspace.read(".sluice/airflow/handoff/manual__t1/logs/consume.try2.log"))
        #expect(log.contains("to stderr, token ***"))
        #expect(workspace.read(".sluice/airflow/handoff/manual__t1/outputs/consume/outputs.json")?.contains("\"total\": 42") == true)
        for (path, data) in workspace.recordFiles() {
            #expect(!String(decoding: data, as: UTF8.self).contains(secret), "\(path) holds the secret")
        }
        #expect(!attempt.outcome.stdout.contains(secret) && !attempt.outcome.stderr.contains(secret))
        // Nothing goes to a local run's records.
        #expect(!workspace.exists(".sluice/runs"))
    }

    @Test func aFailingAttemptExitsOneAndSaysWhy() throws {
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        let broken = try Self.taskRun(workspace, "broken")
        #expect(broken.outcome.status == 1)
        #expect(broken.state == "failed")
        #expect(broken.message == "exit code 3")
        #expect(broken.outcome.stderr.contains("partial"))
        let mistyped = try Self.taskRun(workspace, "mistyped")
        #expect(mistyped.outcome.status == 1)
        #expect(mistyped.message == #"output "count" is declared int, but the task wrote "many""#)
        #expect((mistyped.outputs).isEmpty)
    }

    /// A failure another attempt cannot change (a missing upstream value, a
    /// branch choosing no choice) says `"retry": false`, so the Airflow
    /// runtime raises AirflowFailException and Airflow does not retry it,
    /// as `sluice run` does not; a failing command says `"retry": true`.
    @Test func aFailureSluiceNeverRetriesSaysSo() throws {
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        let missing = try Self.taskRun(workspace, "consume")
        #expect(missing.outcome.status == 1 && missing.state == "failed", "\(missing.outcome.stderr)")
        #expect(missing.line["retry"] as? Bool == false, "\(missing.line)")
        let wrongChoice = try Self.taskRun(workspace, "decide")
        #expect(wrongChoice.line["retry"] as? Bool == false, "\(wrongChoice.line)")
        let broken = try Self.taskRun(workspace, "broken")
        #expect(broken.line["retry"] as? Bool == true, "\(broken.line)")
        let fine = try Self.taskRun(workspace, "produce")
        #expect(fine.state == "success" && fine.line["retry"] == nil)
    }

    @Test func aTimeoutKillsTheWholeProcessGroup() throws {
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        let started = Date()
        let slow = try Self.taskRun(workspace, "slow")
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(slow.outcome.status == 1)
        #expect(slow.message?.hasPrefix("timed out after 1s (SIG") == true, "\(slow.message ?? "")")
        let pid = try #require(workspace.read("slow.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        #expect(!Self.alive(pid), "the background sleep outlived its task")
    }

    /// `sluice run` and `sluice task-run` run attempts through one `AttemptRunner`:
    /// the same failing attempt ends with the same words in the run's journal
    /// and in task-run's line.
    @Test func runAndTaskRunSayTheSameAboutTheSameFailure() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("same.yaml", """
            pipeline: same_words
            tasks:
              slow:
                timeout: 1s
                run: sleep 30
              quiet:
                run: "true"
                outputs:
                  n: int
              broken:
                run: exit 4

            """)
        #expect(try CLI.run(["plan", "same.yaml", "-o", "same.plan.json"], cwd: workspace.url).status == 0)
        let local = try workspace.run("same.yaml")
        #expect(local.status == 1, "\(local.stderr)")
        let runID = try #require(try workspace.show().runID)
        let journaled = try workspace.journal(runID, pipeline: "same_words").filter { $0["state"] as? String == "failed" }
        let expected = [
            "slow": "timed out after 1s (SIGTERM to its process group)",
            "quiet": #"the task did not write output "n" to $SLUICE_OUTPUTS"#,
            "broken": "exit code 4",
        ]
        for (task, message) in expected {
            let inRun = journaled.first { $0["task"] as? String == task }?["message"] as? String
            let remote = try CLI.run(["task-run", "same.plan.json", "--task", task, "--workspace", workspace.path, "--run-id", "remote1"],
                                     cwd: workspace.url, environment: ["SLUICE_KILL_GRACE_MS": "300"])
            let last = remote.stdout.split(separator: "\n").last.map(String.init) ?? ""
            let line = (try? JSONSerialization.jsonObject(with: Data(last.utf8))) as? [String: Any]
            #expect(remote.status == 1, "\(task): \(remote.stderr)")
            #expect(inRun == message, "\(task) in sluice run: \(inRun ?? "no message")")
            #expect(line?["message"] as? String == inRun, "\(task) in task-run: \(last)")
        }
    }

    /// Running, not a zombie (an init that does not reap would keep the dead process listed).
    static func alive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return kill(pid, 0) == 0 }
        let state = stat.split(separator: ")").last?.split(separator: " ").first
        return state != "Z" && state != "X"
    }

    @Test func aMappedInstanceGetsItsItemAndIndex() throws {
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        let one = try Self.taskRun(workspace, "fan", ["--map-index", "1", "--item", #""b c""#])
        #expect(one.outcome.status == 0, "\(one.outcome.stderr)")
        #expect(one.line["map_index"] as? Int == 1)
        #expect(one.outputs["v"] as? String == "b c-1")
        #expect(workspace.exists(".sluice/airflow/handoff/manual__t1/outputs/fan/1/outputs.json"))
        #expect(workspace.exists(".sluice/airflow/handoff/manual__t1/logs/fan.1.try1.log"))
        // Downstream, a mapped output is a list in map-index order: several quoted words.
        let gather = try Self.taskRun(workspace, "gather", ["--upstream", #"{"fan.v": ["a-0", "b c-1"]}"#])
        #expect(gather.outcome.status == 0, "\(gather.outcome.stderr)")
        #expect(workspace.read("gathered.txt") == "[a-0][b c-1]")
        // A foreach task needs its index and item; an unmapped one takes neither.
        let missing = try Self.taskRun(workspace, "fan")
        #expect(missing.outcome.status == 2)
        #expect(missing.state == "failed" && missing.message?.contains("--map-index") == true)
        let stray = try Self.taskRun(workspace, "broken", ["--map-index", "0", "--item", "1"])
        #expect(stray.outcome.status == 2)
    }

    @Test func anUpstreamValueIsDataNeverShell() throws {
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        let payload = #"x'; touch pwned; echo '$(touch pwned2)`touch pwned3`"\ $HOME"#
        let upstream = String(decoding: try JSONSerialization.data(withJSONObject: ["produce.label": payload]), as: UTF8.self)
        let attempt = try Self.taskRun(workspace, "quote", ["--upstream", upstream])
        #expect(attempt.outcome.status == 0, "\(attempt.outcome.stderr)")
        #expect(workspace.read("plain.txt") == payload)
        #expect(attempt.outputs["dq"] as? String == payload)
        for name in ["pwned", "pwned2", "pwned3"] { #expect(!workspace.exists(name), "\(name) was created") }
    }

    @Test func branchChoicesAreChecked() throws {
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        let chosen = try Self.taskRun(workspace, "decide", ["--params", #"{"greeting": "left", "letters": []}"#])
        #expect(chosen.outcome.status == 0, "\(chosen.outcome.stderr)")
        #expect(chosen.outputs["branch"] as? String == "left")
        let wrong = try Self.taskRun(workspace, "decide")
        #expect(wrong.outcome.status == 1)
        #expect(wrong.message == #"branch chose "hello", which is not one of "left", "right""#)
        // An empty task (a branch target, a join) has nothing to run.
        let empty = try Self.taskRun(workspace, "left")
        #expect(empty.outcome.status == 0 && empty.state == "success")
    }

    @Test func badRequestsAreUsageErrors() throws {
        let workspace = try Self.workspace()
        defer { workspace.cleanUp() }
        let cases: [(String, [String], String)] = [
            ("nope", [], "is not in pipeline"),
            ("consume", ["--upstream", #"{"produce.n": "three"}"#], #"--upstream "produce.n" must be int, not "\"three\"""#),
            ("consume", ["--upstream", #"{"elsewhere.x": 1}"#], "does not read"),
            ("consume", ["--upstream", "not json"], "--upstream is not JSON"),
        ]
        for (task, extra, expected) in cases {
            let attempt = try Self.taskRun(workspace, task, extra)
            #expect(attempt.outcome.status == 2, "\(task) \(extra)")
            #expect(attempt.state == "failed")
            #expect(attempt.message?.contains(expected) == true, "\(attempt.message ?? "")")
        }
        let unsafe = try Self.taskRun(workspace, "broken", runID: "../escape")
        #expect(unsafe.outcome.status == 2)
        #expect(!FileManager.default.fileExists(atPath: workspace.url.deletingLastPathComponent().appendingPathComponent("escape").path))
        // A missing upstream value fails the attempt that needs it, as in a local run.
        let missing = try Self.taskRun(workspace, "quote")
        #expect(missing.outcome.status == 1)
        #expect(missing.message?.hasPrefix("produce.label has no value") == true, "\(missing.message ?? "")")
    }

    @Test func theTaskSeesTheEnvironmentOfALocalRun() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write(".env", "FROM_FILE=one\n")
        try workspace.write("envs.yaml", """
            pipeline: envs
            env_file: .env
            tasks:
              dump:
                env:
                  MINE: "{{ run.date }}"
                run: env | grep -v -e '^_=' -e '^SHLVL=' -e '^PWD=' -e '^OLDPWD=' | sort > "env.$SLUICE_RUN_ID.txt"

            """)
        #expect(try CLI.run(["plan", "envs.yaml", "-o", "envs.plan.json"], cwd: workspace.url).status == 0)
        let local = try workspace.run("envs.yaml")
        #expect(local.status == 0, "\(local.stderr)")
        let runID = try #require(try workspace.show().runID)
        let date = String(runID.prefix(4)) + "-" + String(runID.dropFirst(4).prefix(2)) + "-" + String(runID.dropFirst(6).prefix(2))
        let remote = try CLI.run(["task-run", "envs.plan.json", "--task", "dump", "--workspace", workspace.path, "--run-id", "remote1",
                                  "--run-date", date], cwd: workspace.url, environment: ["SLUICE_KILL_GRACE_MS": "300", "NO_COLOR": "1"])
        #expect(remote.status == 0, "\(remote.stderr)")
        func lines(_ id: String) -> Set<String> {
            Set((workspace.read("env.\(id).txt") ?? "").split(separator: "\n").map(String.init)
                .filter { !$0.hasPrefix("SLUICE_RUN_ID=") && !$0.hasPrefix("SLUICE_OUTPUTS=") })
        }
        let mine = lines(runID), theirs = lines("remote1")
        #expect(!mine.isEmpty && mine == theirs, "only in sluice run: \(mine.subtracting(theirs)); only in task-run: \(theirs.subtracting(mine))")
        #expect(theirs.contains("FROM_FILE=one") && theirs.contains("MINE=\(date)") && theirs.contains("SLUICE_TRY=1"))
        #expect(theirs.contains { $0.hasPrefix("PATH=") && $0.contains(CLI.binary.deletingLastPathComponent().path) })
    }
}
