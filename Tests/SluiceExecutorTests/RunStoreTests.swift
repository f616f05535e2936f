import Foundation
import SluiceColumnar
import SluicePlan
import Testing
@testable import SluiceExecutor

/// `RunStore`: the one owner of `.sluice/` (docs/executor.md "The run directory").
@Suite struct RunStoreTests {
    /// Writes a finished run's journal; `parent` makes it a child run.
    private func journal(_ workspace: TemporaryDirectory, _ pipeline: String, _ id: String, parent: String? = nil) throws {
        let directory = workspace.path + "/.sluice/runs/\(pipeline)/\(id)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let parentMember = parent.map { "\"\($0)\"" } ?? "null"
        let text = """
            {"event":"run_started","run_id":"\(id)","pipeline":"\(pipeline)","time":"2026-11-21T06:00:00.000Z","parent_run_id":\(parentMember),"version":1}
            {"event":"run_finished","state":"success","time":"2026-11-21T06:00:01.000Z"}

            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/journal.jsonl"))
    }

    @Test func runIDsSortAsTimesAndHandMadeOnesAsTheOldest() {
        let ids = ["hand-made", "20261121T060000.500Z-bbbbbb", "20261121T060000Z-aaaa", "20261121T060001.000Z-cccccc"]
        let sorted = RunStore.newestFirst(ids.map { RunDirectory(workspace: "/w", pipeline: "p", runID: $0) }).map(\.runID)
        #expect(sorted == ["20261121T060001.000Z-cccccc", "20261121T060000.500Z-bbbbbb", "20261121T060000Z-aaaa", "hand-made"])
        #expect(RunStore.startKey("20261121T060000.5Z-x") == "20261121060000500000000")
        #expect(RunStore.startKey("20261121T0600.5Z-x") == nil)
        #expect(RunStore.startKey("20261121T060000.Z-x") == nil)
    }

    @Test func latestLeavesOutAChildRunWhoseParentIsAmongTheRuns() throws {
        let workspace = try TemporaryDirectory()
        defer { workspace.cleanUp() }
        try journal(workspace, "q", "20261121T050000.000Z-000000")
        try journal(workspace, "p", "20261121T060000.000Z-111111")
        try journal(workspace, "q", "20261121T060000.100Z-222222", parent: "20261121T060000.000Z-111111")
        let store = RunStore(workspace: workspace.path)
        #expect(store.runs().map(\.runID) == ["20261121T060000.100Z-222222", "20261121T060000.000Z-111111", "20261121T050000.000Z-000000"])
        // Over every pipeline the parent is there too: latest is the run that was asked for.
        #expect(RunStore.latest(among: store.runs())?.runID == "20261121T060000.000Z-111111")
        // Among q's runs its parent is not: the child is q's newest run.
        #expect(store.latest(pipeline: "q")?.runID == "20261121T060000.100Z-222222")
        #expect(store.latest(pipeline: "nope") == nil)
    }

    @Test func runsAndRecordsAreNeverReadThroughASymlink() throws {
        let workspace = try TemporaryDirectory(), outside = try TemporaryDirectory()
        defer { workspace.cleanUp(); outside.cleanUp() }
        try journal(outside, "p", "20261121T060000.000Z-aaaaaa")
        try journal(workspace, "p", "20261121T050000.000Z-bbbbbb")
        let runs = workspace.path + "/.sluice/runs/p"
        // A linked run directory, and a run whose journal is a link, are not runs of this workspace.
        try FileManager.default.createSymbolicLink(atPath: runs + "/20261121T070000.000Z-cccccc",
                                                   withDestinationPath: outside.path + "/.sluice/runs/p/20261121T060000.000Z-aaaaaa")
        try FileManager.default.createDirectory(atPath: runs + "/20261121T080000.000Z-dddddd", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: runs + "/20261121T080000.000Z-dddddd/journal.jsonl",
                                                   withDestinationPath: outside.path + "/.sluice/runs/p/20261121T060000.000Z-aaaaaa/journal.jsonl")
        let store = RunStore(workspace: workspace.path)
        #expect(store.runs().map(\.runID) == ["20261121T050000.000Z-bbbbbb"])
        // Named directly, a linked journal is refused, not read.
        let linked = store.run(pipeline: "p", id: "20261121T080000.000Z-dddddd")
        #expect(throws: ExecutorError.self) { try store.record(of: linked) }
        #expect(!store.isLive(linked))
        let records = try RecordDirectory.open(".sluice/runs/p/20261121T080000.000Z-dddddd", below: workspace.path, create: false)
        #expect(records.openFile("journal.jsonl") == -1)
        #expect(records.read("journal.jsonl") == nil)
    }

    @Test func aStoredPlanIsUsedOnlyWhenItIsThisPipelinesAndHoldsNames() throws {
        let workspace = try TemporaryDirectory()
        defer { workspace.cleanUp() }
        try journal(workspace, "p", "20261121T060000.000Z-aaaaaa")
        let store = RunStore(workspace: workspace.path)
        let run = store.run(pipeline: "p", id: "20261121T060000.000Z-aaaaaa")
        func keep(_ plan: Plan) throws { try PlanRecordWriter.write(plan, to: run.plan) }
        try keep(plan([task("a")]))
        #expect(store.storedPlan(of: run)?.tasks.map(\.id) == ["a"])
        var other = plan([task("a")])
        other.pipeline = "other"
        try keep(other)
        #expect(store.storedPlan(of: run) == nil, "another pipeline's plan")
        try keep(plan([task("../../x")]))
        #expect(store.storedPlan(of: run) == nil, "a task id that is a path")
    }

    @Test func temporaryFilesHaveOneSpellingAndAreSwept() throws {
        let workspace = try TemporaryDirectory()
        defer { workspace.cleanUp() }
        let temporary = TemporaryFileName.besides(workspace.path + "/outputs.json")
        #expect(temporary.hasPrefix(workspace.path + "/.outputs.json.sluice-tmp-\(getpid())-"))
        #expect(TemporaryFileName.isTemporary((temporary as NSString).lastPathComponent))
        #expect(!TemporaryFileName.isTemporary("rows.arrow") && !TemporaryFileName.isTemporary("outputs.json"))
        let records = try RunRecordDirectories.open("run", below: workspace.path)
        let table = try records.outputs().subdirectory("t", create: true)
        for name in ["rows.arrow", ".rows.arrow.sluice-tmp-1-2", "outputs.json", ".outputs.json.sluice-tmp-3-4"] {
            try Data().write(to: URL(fileURLWithPath: table.path + "/" + name))
        }
        try Data().write(to: URL(fileURLWithPath: records.staging.path + "/t.try1.rows"))
        RunStore.sweepInterruptedWrites(records)
        #expect(table.names().sorted() == ["outputs.json", "rows.arrow"])
        #expect(records.staging.names().isEmpty)
    }

    /// A memo a task planted as a symlink (to a file it wrote, claiming a
    /// digest for a `deps` file) is not read: the file is hashed.
    @Test func aSymlinkedDepsMemoIsNotRead() throws {
        let workspace = try TemporaryDirectory(), outside = try TemporaryDirectory()
        defer { workspace.cleanUp(); outside.cleanUp() }
        let dep = workspace.path + "/input.csv"
        try Data("a,b\n".utf8).write(to: URL(fileURLWithPath: dep))
        var info = stat()
        #expect(stat(dep, &info) == 0)
        let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        let planted = JSON.object([("version", .int(1)), ("files", .object([(dep, .object([
            ("dev", .int(Int64(bitPattern: UInt64(info.st_dev)))), ("ino", .int(Int64(bitPattern: UInt64(info.st_ino)))),
            ("size", .int(Int64(info.st_size))), ("mtime_ns", .int(mtime)), ("hashed_ns", .int(mtime + 10_000_000_000)),
            ("sha256", .string("planted")),
        ]))]))])
        try Data(planted.compact().utf8).write(to: URL(fileURLWithPath: outside.path + "/deps.json"))
        let cache = try RunStore(workspace: workspace.path).openCache(create: true)
        // The memo as a regular file is trusted (the same content): the check below is about the link.
        try Data(planted.compact().utf8).write(to: URL(fileURLWithPath: cache.path + "/deps.json"))
        #expect(DepsDigests(in: cache).digest(dep) == "planted")
        try FileManager.default.removeItem(atPath: cache.path + "/deps.json")
        try FileManager.default.createSymbolicLink(atPath: cache.path + "/deps.json", withDestinationPath: outside.path + "/deps.json")
        #expect(DepsDigests(in: cache).digest(dep) == FileDigest.sha256(path: dep))
    }
}
