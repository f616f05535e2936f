import Foundation
import Testing
import SluiceBasics
import SluicePlan
@testable import SluiceExecutor

@Test func fastJournalLinesEqualTheGenericEncoding() {
    let events: [JournalEvent.TaskEvent] = [
        .init(task: "fetch", mapIndex: 2, attempt: 1, state: .running, time: 1_795_000_000_123_000, log: "logs/fetch.2.try1.log"),
        .init(task: "t", mapIndex: nil, attempt: 3, state: .failed, time: 0, exitCode: 75, message: "quote \" back\\slash\nnewline \u{1}",
              cacheHit: false, log: "logs/t.try3.log", retryInMilliseconds: 4000),
        .init(task: "t", mapIndex: nil, attempt: 1, state: .success, time: 5_000, exitCode: 0,
              outputs: .object([("x", .double(1.5)), ("ünï", .array([.string("é"), .null]))]), cacheHit: false),
        .init(task: "t", mapIndex: nil, attempt: 2, state: .failed, time: 9_000, exitCode: 0, message: "table output \"t\" failed a check",
              cacheHit: false, checks: .array([.object([("output", .string("t")), ("check", .string("unique")), ("failing_rows", .int(2)),
                                                         ("examples", .array([.object([("row", .int(3)), ("values", .object([("id", .null)]))])]))])])),
        // Numbers at their edges: zero, a negative exit code, the widest values each field holds.
        .init(task: "m", mapIndex: 0, attempt: 10, state: .failed, time: 1_000, exitCode: Int32.min, logBytes: Int.max,
              retryInMilliseconds: Int64.max),
        .init(task: "m", mapIndex: 1_000_000_007, attempt: 0, state: .failed, time: 2_000, exitCode: -1, logBytes: 0, retryInMilliseconds: 9),
    ]
    for event in events {
        let fast = String(decoding: JournalEvent.task(event).line(), as: UTF8.self)
        #expect(fast == JournalEvent.task(event).json().compact())
        #expect((try? JSON.parse(fast)).flatMap { JournalEvent(json: $0) } == .task(event))
    }
}

/// The task line's literal pieces for every state and both cache-hit values,
/// and its time at the edges `Timestamp.iso` spells: before 1970, the last
/// millisecond of a day, and years of other than four digits (written its slower way);
/// and the `mapped` line, written the same way.
@Test func taskLinesOfEveryStateAndTimeEqualTheGenericEncoding() {
    let times: [Int64] = [0, -1, 86_399_999_999, 253_402_300_799_999_999, 253_402_300_800_000_000, -62_167_219_200_000_001,
                          Int64.max, Int64.min]
    var writer = JournalLineWriter()
    for state in TaskState.allCases {
        for (i, time) in times.enumerated() {
            let event = JournalEvent.TaskEvent(task: "t\u{7F}é", mapIndex: i, attempt: i, state: state, time: time,
                                               cacheHit: i % 2 == 0, cacheKey: i % 3 == 0 ? "k" : nil)
            let line = writer.withLine(of: event) { String(decoding: $0, as: UTF8.self) }
            #expect(line == JournalEvent.task(event).json().compact())
        }
    }
    // A `mapped` line with and without its labels and items (a journal older than labels has neither).
    let mapped: [JournalEvent] = [
        .mapped(task: "each", count: 3, time: -1, labels: ["a", "", "c\"\u{2028}"], items: [.int(1), .object([("k", .null)]), .string("é\n")]),
        .mapped(task: "each", count: 0, time: Int64.max, labels: [], items: []),
        .mapped(task: "each", count: 2, time: 5, labels: nil, items: nil),
        .mapped(task: "each", count: 1, time: 5, labels: ["x"], items: nil),
    ]
    for event in mapped {
        #expect(event.withLine(writingInto: &writer) { String(decoding: $0, as: UTF8.self) } == event.json().compact())
    }
}

/// What the executor appends (`withLine`, lent without a copy) is the line
/// `line()` returns and the generic encoding prints, for every kind of event.
@Test func theLentLineOfEveryEventIsItsLine() {
    let events: [JournalEvent] = [
        .runStarted(JournalEvent.RunStarted(runID: "r1", pipeline: "p", time: 1_000, parentRunID: nil, sourceSHA256: "abc",
                                            workspace: "/w \"q\"", pid: 7, flags: JournalEvent.RunFlags(force: true, forceTasks: ["t"]))),
        .mapped(task: "each", count: 2, time: 2_000, labels: ["a", "b\n"], items: [.int(1), .string("é")]),
        .task(JournalEvent.TaskEvent(task: "t", mapIndex: 1, attempt: 2, state: .success, time: 3_000, exitCode: 0,
                                     outputs: .object([("x", .int(1))]), cacheHit: false, log: "logs/t.1.try2.log", logBytes: 12,
                                     cacheKey: String(repeating: "f", count: 64))),
        .childRun(JournalEvent.ChildRun(task: "trig", mapIndex: nil, childRunID: "c1", time: 4_000, pipeline: "q", workspace: "/w")),
        .runFinished(state: .success, time: 5_000),
        .runResumed(time: 6_000, pid: 8),
    ]
    for event in events {
        let lent = event.withLine { Array($0) }
        #expect(lent == event.line())
        #expect(String(decoding: lent, as: UTF8.self) == event.json().compact())
    }
    // One writer reused line after line, as the executor does: each line is
    // its own, nothing of the one before (a longer one first, a shorter after).
    var scratch = JournalLineWriter()
    for event in events + events.reversed() {
        #expect(event.withLine(writingInto: &scratch) { Array($0) } == event.line())
    }
}

@Test func aTornLastLineIsSkippedAndNewerJournalsAreRefused() throws {
    let start = #"{"event":"run_started","run_id":"r","pipeline":"p","time":"2026-11-21T06:00:00.123Z","parent_run_id":null,"version":1}"#
    let task = #"{"event":"task","task":"a","map_index":null,"try":1,"state":"running","time":"2026-11-21T06:00:00.200Z"}"#
    let record = try RunRecord.replay(start + "\n" + task + "\n" + #"{"event":"task","task":"a","ma"#)
    #expect(record.instance(InstanceKey(task: "a"))?.state == .running)
    #expect(record.finishedState == nil)
    #expect(record.state(writerAlive: false) == .interrupted)
    #expect(throws: ExecutorError.self) { try RunRecord.replay(start.replacingOccurrences(of: #""version":1"#, with: #""version":2"#)) }
}

@Test func aPlanWithChecksReadsBackAndOneWithoutPrintsNoChecksKey() throws {
    let checks = [
        PlanCheck(kind: .unique, columns: ["id", "ds"]),
        PlanCheck(kind: .range, columns: ["y"], min: .int(0), max: .double(1.5), warning: true),
        PlanCheck(kind: .acceptedValues, columns: ["s"], values: [.string("a"), .string("b")]),
        PlanCheck(kind: .rows, min: .int(1)),
    ]
    let table = ValueType.table([TableColumn(name: "id", type: .int64), TableColumn(name: "y", type: .float64)])
    let checked = plan([task("a", outputs: [PlanOutput(name: "t", type: table, checks: checks)])])
    #expect(try Plan(jsonText: checked.json().compact()) == checked)
    let plain = plan([task("a", outputs: [PlanOutput(name: "t", type: table)])])
    #expect(!plain.json().compact().contains("checks"))
    let bad = checked.json().compact().replacingOccurrences(of: #""check":"rows""#, with: #""check":"rowz""#)
    #expect(throws: PlanDecodingError.self) { try Plan(jsonText: bad) }
}

@Test func thePlanRecordReadsBackAsThePlan() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let original = plan([task("a"), task("b", needs: ["a"], outputs: [PlanOutput(name: "n", type: .int)])],
                        pools: [Plan.Pool(name: "p", slots: 2)], params: .object([("x", .array([.int(1)]))]))
    try PlanRecordWriter.write(original, to: dir.path + "/plan.json")
    let text = try String(contentsOfFile: dir.path + "/plan.json", encoding: .utf8)
    #expect(try Plan(jsonText: text) == original)
    #expect(text == original.json().compact())
}

/// The record is written from the plan into bytes, a piece (about 64 KiB of
/// tasks) at a time: a plan several pieces long, and one without tasks, are
/// byte for byte what the value tree prints, and read back as the plan.
@Test func aPlanRecordOfManyPiecesIsTheCompactTreeText() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let long = plan((0..<800).map { task("t\($0)", needs: $0 == 0 ? [] : ["t\($0 - 1)"], outputs: [PlanOutput(name: "n", type: .int)]) },
                    params: .object([("note", .string(String(repeating: "é\"\n", count: 100)))]))
    for original in [long, plan([])] {
        try PlanRecordWriter.write(original, to: dir.path + "/plan.json")
        let text = try String(contentsOfFile: dir.path + "/plan.json", encoding: .utf8)
        #expect(text == original.json().compact())
        #expect(try Plan(jsonText: text) == original)
    }
    #expect(long.json().compact().utf8.count > 3 << 16)
}

/// A task starts once its `running` line is in the file (`flush`), not once it
/// is synced: the lines are there as soon as `flush` returns, in order with
/// those the writer thread writes, and `close` syncs and keeps them all.
@Test func flushWritesTheQueuedLinesIntoTheFileAtOnceAndCloseKeepsTheOrder() throws {
    let directory = try TemporaryDirectory()
    defer { directory.cleanUp() }
    let path = directory.path + "/journal.jsonl"
    let journal = try JournalWriter(path: path)
    for n in 0..<200 { journal.append(Array("line \(n)".utf8)) }
    try journal.flush()
    let flushed = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
    #expect(flushed.hasPrefix((0..<200).map { "line \($0)\n" }.joined()), "every line queued before flush is in the file")
    for n in 200..<400 {
        journal.append(Array("line \(n)".utf8))
        if n % 7 == 0 { try journal.flush() }
    }
    try journal.waitUntilDurable()
    for n in 400..<500 { journal.append(Array("line \(n)".utf8)) }
    try journal.close()
    let text = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
    #expect(text == (0..<500).map { "line \($0)\n" }.joined())
}

/// Once syncing (a process has started), a line is in the file when `append`
/// returns, with no `flush` and no wait for the writer thread, which only syncs:
/// a crash of sluice then loses no line, and no line costs a thread wake-up.
@Test func whileSyncingAppendWritesTheLineBeforeItReturns() throws {
    let directory = try TemporaryDirectory()
    defer { directory.cleanUp() }
    let path = directory.path + "/journal.jsonl"
    let journal = try JournalWriter(path: path)
    journal.startSyncing()
    try journal.waitUntilDurable()  // the writer thread is now between group commits
    for n in 0..<50 {
        journal.append(Array("line \(n)".utf8))
        let text = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
        #expect(text == (0...n).map { "line \($0)\n" }.joined(), "line \(n) is in the file as append returns")
    }
    try journal.close()
    let text = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
    #expect(text == (0..<50).map { "line \($0)\n" }.joined())
    #expect(journal.syncCount >= 1)
}

/// The run's last line, given to `close(after:)`, is synced by the closing
/// thread itself while the writer sleeps (no wake-up of the writer and back
/// on the run's last path); it is in the file, after every earlier line,
/// when `close` returns. (A writer asleep until a group commit's time is met
/// the same way: `closeSyncsLinesTheWriterLetsGather` below.)
@Test func theLastLineIsSyncedByTheClosingThreadWhileTheWriterSleeps() throws {
    for unsyncedBefore in [false, true] {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path + "/journal.jsonl"
        let journal = try JournalWriter(path: path)
        journal.startSyncing()
        journal.append(Array("first".utf8))
        try journal.waitUntilDurable()
        // A line written but not yet synced: the writer syncs it at the group commit's time
        // (waited for here, however slow a loaded machine makes the writer, so that `close`
        // does not meet it in the middle of that sync).
        if unsyncedBefore {
            let syncsBeforeMiddle = journal.syncCount
            journal.append(Array("middle".utf8))
            for _ in 0..<500 where journal.syncCount == syncsBeforeMiddle { usleep(10_000) }
        }
        usleep(50_000)  // the writer is asleep again, waiting for work
        let syncs = journal.syncCount
        try Array("last".utf8).withUnsafeBufferPointer { line throws(ExecutorError) in try journal.close(after: line) }
        #expect(journal.closedWithOwnSync)
        #expect(journal.syncCount == syncs + 1)
        let text = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
        #expect(text == (unsyncedBefore ? "first\nmiddle\nlast\n" : "first\nlast\n"))
    }
}

/// Until syncing starts (a process is about to start, or something waits for
/// durability) lines are written but not synced; after it, every line is.
@Test func journalSyncsOnlyOnceSomethingNeedsIt() throws {
    let directory = try TemporaryDirectory()
    defer { directory.cleanUp() }
    let quiet = try JournalWriter(path: directory.path + "/quiet.jsonl")
    for n in 0..<300 { quiet.append(Array("line \(n)".utf8)) }
    try quiet.close()
    #expect(quiet.syncCount == 0)
    let text = String(decoding: try #require(FileManager.default.contents(atPath: directory.path + "/quiet.jsonl")), as: UTF8.self)
    #expect(text == (0..<300).map { "line \($0)\n" }.joined(), "every line is written all the same")

    let started = try JournalWriter(path: directory.path + "/started.jsonl")
    started.append(Array("before".utf8))
    started.startSyncing()
    started.append(Array("after".utf8))
    try started.close()
    #expect(started.syncCount >= 1)

    let waited = try JournalWriter(path: directory.path + "/waited.jsonl")
    waited.append(Array("child_run".utf8))
    try waited.waitUntilDurable()  // returns: waiting starts syncing
    #expect(waited.syncCount == 1)
    try waited.close()
}

/// While syncing, a queued line waits for the next `flush`, which writes
/// every queued line with one `write` and wakes the writer thread to sync
/// them (no `waitUntilDurable`, no further line): the executor queues the
/// lines of the instances it launches together and flushes them before the
/// first process starts, and nothing else would get them synced before the
/// run's end.
@Test func queuedLinesWaitForTheFlushWhichWritesThemOnceAndHasThemSynced() throws {
    let directory = try TemporaryDirectory()
    defer { directory.cleanUp() }
    let path = directory.path + "/journal.jsonl"
    let journal = try JournalWriter(path: path)
    journal.startSyncing()
    journal.append(Array("first".utf8))
    try journal.waitUntilDurable()  // the writer thread now waits for something to sync
    let syncsBefore = journal.syncCount
    let writesBefore = journal.writeCount
    for n in 0..<3 { Array("queued \(n)".utf8).withUnsafeBufferPointer { journal.queue($0) } }
    let beforeFlush = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
    #expect(beforeFlush == "first\n", "queued lines are not written before the flush")
    try journal.flush()
    let afterFlush = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
    #expect(afterFlush == "first\n" + (0..<3).map { "queued \($0)\n" }.joined())
    #expect(journal.writeCount == writesBefore + 1, "one write for the three lines")
    let deadline = Date().addingTimeInterval(5)
    while journal.syncCount == syncsBefore && Date() < deadline { usleep(1_000) }
    #expect(journal.syncCount > syncsBefore, "the flush woke the writer to sync the lines")
    Array("last".utf8).withUnsafeBufferPointer { journal.queue($0) }
    try journal.close()
    let text = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
    #expect(text == "first\n" + (0..<3).map { "queued \($0)\n" }.joined() + "last\n", "close writes what is still queued")
}

/// A `mapped` line makes room for the instances whose lines follow by the
/// labels it holds, never by its `count` alone: a damaged journal's count
/// (any number) is recorded, not allocated.
@Test func aMappedLinesCountIsRecordedNotAllocated() {
    var record = RunRecord()
    record.apply(.mapped(task: "each", count: Int.max, time: 1_000, labels: ["a", "b"], items: [.int(1), .int(2)]))
    record.apply(.mapped(task: "other", count: Int.max / 2, time: 2_000))
    record.apply(.task(JournalEvent.TaskEvent(task: "each", mapIndex: 1, attempt: 1, state: .queued, time: 3_000)))
    #expect(record.mappedCounts == ["each": Int.max, "other": Int.max / 2])
    #expect(record.instances.map(\.name) == ["each[b]"])
}

/// An instance takes its label and item from its own task's `mapped` line,
/// also when another task's `mapped` line came between (the record keeps the
/// last one at hand and looks the others up).
@Test func anInstanceFindsItsLabelAfterAnotherTasksMappedLine() {
    var record = RunRecord()
    record.apply(.mapped(task: "a", count: 2, time: 0, labels: ["a0", "a1"], items: [.int(10), .int(11)]))
    record.apply(.mapped(task: "b", count: 1, time: 0, labels: ["b0"], items: [.string("x")]))
    for (task, index) in [("a", 1), ("b", 0), ("a", 0), ("c", 0)] {
        record.apply(.task(JournalEvent.TaskEvent(task: task, mapIndex: index, attempt: 1, state: .queued, time: 0)))
    }
    #expect(record.instances.map(\.name) == ["a[a1]", "b[b0]", "a[a0]", "c[0]"])
    #expect(record.instances.map(\.item) == [.int(11), .string("x"), .int(10), nil])
}

/// Group commit by the work at stake: the ends of cheap attempts gather
/// without a sync (a crash of the machine costs `--resume` little to redo
/// them), and once the unsynced lines record `workWorthASync` of attempts, or
/// one costly end arrives, the writer syncs them without waiting longer.
@Test func cheapEndsGatherAndCostlyWorkIsSyncedSoon() throws {
    let directory = try TemporaryDirectory()
    defer { directory.cleanUp() }
    // Cheap lines could wait a minute here, longer than the test takes.
    let journal = try JournalWriter(path: directory.path + "/journal.jsonl", workWorthASync: 500_000, longestUnsynced: 60)
    journal.startSyncing()
    journal.append(Array("first".utf8))
    try journal.waitUntilDurable()
    let syncs = journal.syncCount
    for n in 0..<20 { journal.append(Array("cheap end \(n)".utf8), work: 10_000) }  // 0.2 s of attempts in all
    journal.append(Array("running".utf8))
    usleep(200_000)
    #expect(journal.syncCount == syncs, "0.2 s of work is not worth a sync of its own yet")
    journal.append(Array("costly end".utf8), work: 400_000)  // 0.6 s now
    let deadline = Date().addingTimeInterval(5)
    while journal.syncCount == syncs && Date() < deadline { usleep(1_000) }
    #expect(journal.syncCount == syncs + 1, "the writer, woken, synced the lines worth it")
    try journal.close()
    let text = String(decoding: try #require(FileManager.default.contents(atPath: directory.path + "/journal.jsonl")), as: UTF8.self)
    #expect(text == "first\n" + (0..<20).map { "cheap end \($0)\n" }.joined() + "running\ncostly end\n")
}

/// Cheap lines are synced all the same, `longestUnsynced` after the oldest of
/// them was queued, and never sooner; a run that started processes syncs
/// its journal without anyone waiting.
@Test func cheapLinesAreSyncedOnceTheOldestHasWaitedLongEnough() throws {
    let directory = try TemporaryDirectory()
    defer { directory.cleanUp() }
    let journal = try JournalWriter(path: directory.path + "/journal.jsonl", longestUnsynced: 0.3)
    journal.startSyncing()
    journal.append(Array("first".utf8))
    try journal.waitUntilDurable()
    let syncs = journal.syncCount
    let queued = Date()
    journal.append(Array("running".utf8))
    journal.append(Array("cheap end".utf8), work: 1_000)
    let deadline = Date().addingTimeInterval(10)
    while journal.syncCount == syncs && Date() < deadline { usleep(1_000) }
    let waited = Date().timeIntervalSince(queued)
    #expect(journal.syncCount == syncs + 1)
    #expect(waited >= 0.3, "synced after \(waited) s, before the oldest line had waited 0.3 s")
    try journal.close()
}

/// `close` syncs what the writer lets gather (it does not wait out
/// `longestUnsynced`), on the closing thread, with the last line.
@Test func closeSyncsLinesTheWriterLetsGather() throws {
    let directory = try TemporaryDirectory()
    defer { directory.cleanUp() }
    let path = directory.path + "/journal.jsonl"
    let journal = try JournalWriter(path: path, longestUnsynced: 60)
    journal.startSyncing()
    journal.append(Array("first".utf8))
    try journal.waitUntilDurable()
    journal.append(Array("cheap end".utf8), work: 1_000)
    usleep(50_000)  // the writer waits for the group commit's time, a minute away
    let syncs = journal.syncCount
    let closing = Date()
    try Array("last".utf8).withUnsafeBufferPointer { line throws(ExecutorError) in try journal.close(after: line) }
    #expect(Date().timeIntervalSince(closing) < 30, "close did not wait for the group commit's time")
    #expect(journal.closedWithOwnSync)
    #expect(journal.syncCount == syncs + 1)
    let text = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
    #expect(text == "first\ncheap end\nlast\n")
}

/// The executor tells the journal how long each ended attempt ran (its
/// `running` and `queued` lines, and a cached or skipped instance's, carry
/// none): the work a crash of the machine would make `--resume` redo.
@Test func attemptEndsCarryTheirRunTimeToTheJournal() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let tasks = [task("a", run: "echo a"), task("b", run: "echo b"), task("c", needs: ["a"], run: "echo c"), task("d", run: nil)]
    let (executor, _) = try executorWithFake(plan(tasks), in: dir) { request, _ in
        // 1, 2 and 3 ms of the fake clock: a's and b's run together, c's after a's.
        FakeBehaviour(duration: request.command.hasSuffix("a") ? 1_000_000 : request.command.hasSuffix("b") ? 2_000_000 : 3_000_000)
    }
    let result = try executor.run()
    #expect(result.state == .success)
    #expect(executor.journal.workQueued == 6_000, "1 + 2 + 3 ms of attempts, in microseconds; the empty task d ran none")
}
