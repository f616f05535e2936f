import Foundation
import Testing

/// Pools are shared by every run in a workspace (docs/executor.md "Pools
/// across runs"): simultaneous `sluice run`s, of one pipeline or of several
/// that name the same pool, never exceed its slots together.
@Suite struct RunSharedPoolsTests {
    /// A pipeline of `count` tasks in pool `api` of `slots` slots. Each task
    /// makes a marker directory while it runs and notes an overlap when
    /// `limit` markers already exist (mkdir is atomic, so the count is exact
    /// for a 1-slot pool and an upper bound otherwise).
    static func pooled(_ pipeline: String, slots: Int, count: Int, seconds: String = "0.15") -> String {
        var spec = "pipeline: \(pipeline)\npools: { api: \(slots) }\nmax_active_tasks: 4\ntasks:\n"
        for i in 0..<count {
            spec += """
                  t\(i):
                    pool: api
                    run: |
                      m=busy/$SLUICE_RUN_ID-$SLUICE_TASK; mkdir -p busy; mkdir "$m"
                      n=$(ls busy | wc -l); if [ "$n" -gt \(slots) ]; then echo "$n at once" >> overlaps.log; fi
                      sleep \(seconds); rmdir "$m"

                """
        }
        return spec
    }

    /// Start and end of every attempt of the pipelines' runs (each of which succeeded).
    static func intervals(_ workspace: RunWorkspace, _ pipelines: [String]) throws -> [(Double, Double)] {
        var all: [(Double, Double)] = []
        for pipeline in pipelines {
            for id in workspace.runIDs(pipeline) {
                let run = try workspace.show(id)
                #expect(run.state == "success", "\(pipeline) \(id)")
                all += run.intervals()
            }
        }
        return all
    }

    @Test func twoRunsOfDifferentPipelinesNeverShareAOneSlotPoolAtOnce() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("a.yaml", Self.pooled("pooled_a", slots: 1, count: 4))
        try workspace.write("b.yaml", Self.pooled("pooled_b", slots: 1, count: 4))
        let one = try workspace.start("a.yaml"), two = try workspace.start("b.yaml")
        one.waitUntilExit()
        two.waitUntilExit()
        #expect(one.terminationStatus == 0 && two.terminationStatus == 0)
        let intervals = try Self.intervals(workspace, ["pooled_a", "pooled_b"])
        #expect(intervals.count == 8)
        #expect(ShownRun.maxOverlap(intervals) == 1, "one slot across both runs: \(intervals)")
        #expect(workspace.read("overlaps.log") == nil, "\(workspace.read("overlaps.log") ?? "")")
    }

    @Test func twoRunsOfOnePipelineNeverExceedATwoSlotPoolTogether() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("p.yaml", Self.pooled("pooled", slots: 2, count: 4, seconds: "0.2"))
        let one = try workspace.start("p.yaml"), two = try workspace.start("p.yaml")
        one.waitUntilExit()
        two.waitUntilExit()
        #expect(one.terminationStatus == 0 && two.terminationStatus == 0)
        let intervals = try Self.intervals(workspace, ["pooled"])
        #expect(intervals.count == 8)
        #expect(ShownRun.maxOverlap(intervals) == 2, "two slots across both runs, and both used: \(intervals)")
        #expect(workspace.read("overlaps.log") == nil, "\(workspace.read("overlaps.log") ?? "")")
    }

    /// A run whose pool task waits for another run's slot keeps running its
    /// other tasks, and starts the pool task once the slot frees.
    @Test func aRunWaitingForASlotRunsItsOtherTasksMeanwhile() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("holder.yaml", """
            pipeline: holder
            pools: { api: 1 }
            tasks:
              hold:
                pool: api
                run: touch holding; while [ ! -e release ]; do sleep 0.02; done

            """)
        try workspace.write("waiter.yaml", """
            pipeline: waiter
            pools: { api: 1 }
            tasks:
              pooled:
                pool: api
                run: touch pooled_ran
              free:
                run: touch free_ran

            """)
        let holder = try workspace.start("holder.yaml")
        #expect(workspace.wait(seconds: 15) { workspace.exists("holding") })
        _ = FileManager.default.createFile(atPath: workspace.path + "/waiter.out", contents: nil)
        let output = try #require(FileHandle(forWritingAtPath: workspace.path + "/waiter.out"))
        defer { try? output.close() }
        let waiter = try workspace.start("waiter.yaml", output: output)
        #expect(workspace.wait(seconds: 15) { workspace.exists("free_ran") }, "the task outside the pool runs")
        Thread.sleep(forTimeInterval: 0.3)
        #expect(!workspace.exists("pooled_ran"), "the pool task waits while the other run holds the slot")
        try workspace.write("release", "")
        holder.waitUntilExit()
        waiter.waitUntilExit()
        #expect(holder.terminationStatus == 0 && waiter.terminationStatus == 0)
        #expect(workspace.exists("pooled_ran"))
        #expect(try workspace.show(try #require(workspace.runIDs("waiter").first)).state("pooled") == "success")
        // Piped progress says why the task waited, and who holds the slot.
        let holderID = try #require(workspace.runIDs("holder").first)
        let printed = workspace.read("waiter.out") ?? ""
        #expect(printed.contains("queued          pooled: waiting for a slot in pool \"api\" (held by run \(holderID) (holder) task hold)"),
                "\(printed)")
        #expect(printed.components(separatedBy: "waiting for a slot").count == 2, "said once: \(printed)")
    }

    /// kill -9 of the run holding the slot: the kernel drops its lock, so a
    /// waiting run gets the slot at once, although the killed run's task
    /// lives on (it never inherited the lock).
    @Test func aSlotHeldByAKilledRunFreesAtOnce() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("holder.yaml", """
            pipeline: holder
            pools: { api: 1 }
            tasks:
              hold:
                pool: api
                run: echo $$ > holder_pgid; sleep 30

            """)
        try workspace.write("waiter.yaml", """
            pipeline: waiter
            pools: { api: 1 }
            tasks:
              pooled:
                pool: api
                run: touch pooled_ran

            """)
        let holder = try workspace.start("holder.yaml")
        #expect(workspace.wait(seconds: 15) { workspace.readProcessID("holder_pgid") != nil })
        let pgid = try #require(workspace.readProcessID("holder_pgid"))
        defer { kill(-pgid, SIGKILL) }
        let waiter = try workspace.start("waiter.yaml")
        #expect(workspace.wait(seconds: 15) { !workspace.runIDs("waiter").isEmpty })
        Thread.sleep(forTimeInterval: 0.4)
        #expect(!workspace.exists("pooled_ran"), "the waiter waits while the holder lives")
        kill(holder.processIdentifier, SIGKILL)
        let killed = Date()
        #expect(workspace.wait(seconds: 10) { workspace.exists("pooled_ran") })
        #expect(Date().timeIntervalSince(killed) < 5, "the slot freed when its holder died (a stale lock would never free)")
        #expect(!livingProcesses(inGroup: pgid).isEmpty, "the killed run's task still lives and holds no slot")
        kill(-pgid, SIGKILL)
        holder.waitUntilExit()
        waiter.waitUntilExit()
        #expect(waiter.terminationStatus == 0)
    }

    /// A cached instance, a task in no pool and `--dry-run` take no slot:
    /// a cached run goes ahead while another run holds the pool's only slot
    /// (were it to ask for the slot it would wait), and `--dry-run` makes no slot file.
    @Test func cachedTasksAndDryRunsTakeNoSlot() throws {
        let workspace = try RunWorkspace()
        defer { workspace.cleanUp() }
        try workspace.write("holder.yaml", """
            pipeline: holder
            pools: { api: 1 }
            tasks:
              hold:
                pool: api
                run: touch holding; while [ ! -e release ]; do sleep 0.02; done

            """)
        try workspace.write("cached.yaml", """
            pipeline: cached
            pools: { api: 1 }
            tasks:
              pooled:
                pool: api
                run: echo "n=1" >> "$SLUICE_OUTPUTS"
                outputs: { n: int }
              free:
                run: "true"

            """)
        #expect(try workspace.run("cached.yaml", ["--dry-run"]).status == 0)
        #expect(!workspace.exists(".sluice/pools"), "--dry-run makes no slot file")
        #expect(try workspace.run("cached.yaml").status == 0)
        #expect(workspace.exists(".sluice/pools/api/0.slot"))
        try FileManager.default.removeItem(atPath: workspace.path + "/.sluice/pools")
        let holder = try workspace.start("holder.yaml")
        defer { try? workspace.write("release", ""); holder.waitUntilExit() }
        #expect(workspace.wait(seconds: 15) { workspace.exists("holding") })
        let started = Date()
        let again = try CLI.run(["run", "cached.yaml"], cwd: workspace.url, environment: ["NO_COLOR": "1"], timeout: 20)
        #expect(again.status == 0 && !again.timedOut, "\(again.stdout)\(again.stderr)")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(try workspace.show().state("pooled") == "cached")
        #expect(!again.stdout.contains("waiting for a slot"), "\(again.stdout)")
    }

    static let onePooledTask = """
        pipeline: planted
        pools: { api: 1 }
        tasks:
          pooled:
            pool: api
            run: touch pooled_ran

        """

    /// A symlink planted where the pool's directory goes is refused, not followed.
    @Test func aSymlinkedPoolDirectoryIsRefused() throws {
        let workspace = try RunWorkspace(), outside = try RunWorkspace()
        defer { workspace.cleanUp(); outside.cleanUp() }
        try workspace.write("planted.yaml", Self.onePooledTask)
        try FileManager.default.createDirectory(atPath: workspace.path + "/.sluice/pools", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: workspace.path + "/.sluice/pools/api", withDestinationPath: outside.path)
        let outcome = try workspace.run("planted.yaml")
        #expect(outcome.status == 1, "\(outcome.stdout)\(outcome.stderr)")
        #expect((outcome.stdout + outcome.stderr).contains("symbolic link"), "\(outcome.stdout)\(outcome.stderr)")
        #expect(!workspace.exists("pooled_ran"), "the task does not run without its slot")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty, "nothing was made outside")
    }

    /// A symlink planted as a slot file is not followed: its target is left as it was.
    @Test func aSymlinkedSlotFileIsNotFollowed() throws {
        let workspace = try RunWorkspace(), outside = try RunWorkspace()
        defer { workspace.cleanUp(); outside.cleanUp() }
        try workspace.write("planted.yaml", Self.onePooledTask)
        try outside.write("victim", "keep me\n")
        try FileManager.default.createDirectory(atPath: workspace.path + "/.sluice/pools/api", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: workspace.path + "/.sluice/pools/api/0.slot", withDestinationPath: outside.path + "/victim")
        let outcome = try workspace.run("planted.yaml")
        #expect(outcome.status == 1, "\(outcome.stdout)\(outcome.stderr)")
        #expect((outcome.stdout + outcome.stderr).contains("0.slot"), "\(outcome.stdout)\(outcome.stderr)")
        #expect(!workspace.exists("pooled_ran"))
        #expect(outside.read("victim") == "keep me\n")
    }

    /// A hard link planted as a slot file is not written through (the holder's
    /// note would truncate the file it shares with something outside).
    @Test func aHardLinkedSlotFileIsNotWrittenThrough() throws {
        let workspace = try RunWorkspace(), outside = try RunWorkspace()
        defer { workspace.cleanUp(); outside.cleanUp() }
        try workspace.write("planted.yaml", Self.onePooledTask)
        try outside.write("victim", "keep me\n")
        try FileManager.default.createDirectory(atPath: workspace.path + "/.sluice/pools/api", withIntermediateDirectories: true)
        try FileManager.default.linkItem(atPath: outside.path + "/victim", toPath: workspace.path + "/.sluice/pools/api/0.slot")
        let outcome = try workspace.run("planted.yaml")
        #expect(outcome.status == 1, "\(outcome.stdout)\(outcome.stderr)")
        #expect((outcome.stdout + outcome.stderr).contains("0.slot"), "\(outcome.stdout)\(outcome.stderr)")
        #expect(!workspace.exists("pooled_ran"))
        #expect(outside.read("victim") == "keep me\n")
    }
}
