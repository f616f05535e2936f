import Foundation
@testable import sluice
import SluiceExecutor
import SluicePlan
import Testing

/// The summary's table, pinned on records whose instances interleave (a
/// mapped task's instances between other tasks' lines, retries, settled
/// instances, a task the given order does not know), so that how the rows
/// are gathered can change and the text cannot.
struct RunSummaryTableTests {
    static func task(_ name: String, _ index: Int?, _ attempt: Int, _ state: TaskState, at seconds: Int64,
                     message: String? = nil, exitCode: Int32? = nil, hit: Bool? = nil) -> JournalEvent {
        .task(JournalEvent.TaskEvent(task: name, mapIndex: index, attempt: attempt, state: state, time: 1_000_000_000_000 + seconds * 1_000_000,
                                     exitCode: exitCode, message: message, cacheHit: hit))
    }

    /// A run of five tasks: `a`, `m` mapped over three items (one failing twice), `b` failing,
    /// `c` upstream-failed, `d` cached, `e` skipped; their lines interleaved as a run writes them.
    static var interleaved: RunRecord {
        var record = RunRecord()
        let events: [JournalEvent] = [
            task("a", nil, 1, .queued, at: 0), task("a", nil, 1, .running, at: 0),
            .mapped(task: "m", count: 3, time: 1_000_000_000_000, labels: ["x", "y", "z"], items: [.int(1), .int(2), .int(3)]),
            task("m", 0, 1, .queued, at: 0), task("m", 1, 1, .queued, at: 0), task("m", 2, 1, .queued, at: 0),
            task("b", nil, 1, .queued, at: 1), task("a", nil, 1, .success, at: 2, exitCode: 0, hit: false),
            task("m", 1, 1, .running, at: 2), task("m", 0, 1, .running, at: 3), task("d", nil, 0, .cached, at: 3),
            task("m", 1, 1, .failed, at: 4, message: "exit code 1", exitCode: 1, hit: false),
            task("m", 0, 1, .success, at: 5, exitCode: 0, hit: false), task("b", nil, 1, .running, at: 5),
            task("m", 1, 2, .queued, at: 6), task("m", 1, 2, .running, at: 6),
            task("b", nil, 1, .failed, at: 8, message: "exit code 3", exitCode: 3, hit: false),
            task("c", nil, 0, .upstreamFailed, at: 8, message: "upstream b failed"),
            task("m", 1, 2, .failed, at: 9, message: "boom", exitCode: 2, hit: false),
            task("m", 2, 1, .running, at: 9), task("m", 2, 1, .success, at: 70, exitCode: 0, hit: false),
            task("e", nil, 0, .skipped, at: 71, message: "branch chose another"),
            .runFinished(state: .failed, time: 1_000_000_000_000 + 72_000_000),
        ]
        for event in events { record.apply(event) }
        return record
    }

    @Test func theBodyOfAnInterleavedRunIsPinned() {
        #expect(RunSummary.Body(Self.interleaved, color: false).text == """
            task   state                tries  duration
            a      success              1      2.0s
            m [3]  1 failed, 2 success  4      1m08s     boom
            b      failed               1      3.0s      exit code 3
            d      cached               0
            c      upstream_failed      0                upstream b failed
            e      skipped              0                branch chose another

            failed instances:
              m[y]  try 2  boom

            """)
    }

    /// `sluice show`'s order (the plan's): tasks it does not name keep their journal order, after it.
    @Test func aGivenTaskOrderWithUnknownTasksAndColorIsPinned() {
        let text = RunSummary.table(Self.interleaved, taskOrder: ["c", "m", "zz"], color: true)
        #expect(text == "\u{1B}[1mtask   state                tries  duration\u{1B}[0m\n"
            + "c      \u{1B}[31mupstream_failed    \u{1B}[0m  0                upstream b failed\n"
            + "m [3]  \u{1B}[31m1 failed, 2 success\u{1B}[0m  4      1m08s     boom\n"
            + "a      \u{1B}[32msuccess            \u{1B}[0m  1      2.0s\n"
            + "b      \u{1B}[31mfailed             \u{1B}[0m  1      3.0s      exit code 3\n"
            + "d      \u{1B}[32mcached             \u{1B}[0m  0\n"
            + "e      \u{1B}[33mskipped            \u{1B}[0m  0                branch chose another\n")
        let names = Self.interleaved.orderedInstances(taskOrder: ["c", "m", "zz"]).map(\.name)
        #expect(names == ["c", "m[x]", "m[y]", "m[z]", "a", "b", "d", "e"])
        #expect(Self.interleaved.orderedInstances(taskOrder: ["m", "e", "m"]).map(\.name) == ["m[x]", "m[y]", "m[z]", "e", "a", "b", "d", "c"])
    }

    /// Instances of tasks the order does not name, one task's between another's:
    /// they keep their journal order, and a task's rows gather its instances.
    @Test func unknownTasksInterleavedKeepTheirJournalOrder() {
        var record = RunRecord()
        for event in [Self.task("u", 1, 1, .queued, at: 0), Self.task("v", nil, 1, .queued, at: 0), Self.task("u", 0, 1, .queued, at: 0),
                      Self.task("k", nil, 1, .queued, at: 0), Self.task("u", 2, 1, .queued, at: 0)] {
            record.apply(event)
        }
        #expect(record.orderedInstances(taskOrder: ["k"]).map(\.name) == ["k", "u[1]", "v", "u[0]", "u[2]"])
        #expect(RunSummary.table(record, taskOrder: ["k"], color: false)
            == "task   state     tries  duration\nk      queued    0\nu [3]  3 queued  0\nv      queued    0\n")
    }

    /// Past `fullTableLimit` tasks, only those with an instance that did not succeed have rows.
    @Test func aLargeRunListsOnlyTheTasksThatDidNotSucceed() {
        var record = RunRecord()
        for i in 0..<45 {
            let name = "t\(i)"
            record.apply(Self.task(name, nil, 1, .running, at: Int64(i)))
            record.apply(Self.task(name, nil, 1, i % 20 == 7 ? .failed : .success, at: Int64(i + 1), message: i % 20 == 7 ? "no" : nil))
        }
        #expect(RunSummary.Body(record, color: false).text
            == "task  state   tries  duration\nt7    failed  1      1.0s      no\nt27   failed  1      1.0s      no\n… and 43 more tasks that succeeded\n")
    }
}
