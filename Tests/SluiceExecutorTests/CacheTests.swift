import Foundation
import Synchronization
import Testing
import SluicePlan
@testable import SluiceExecutor

/// The cache through the executor loop, with the fake runner: what a second
/// run starts, what a change invalidates, and the journal's cache fields.

/// A task writing the int output `n`, with its `reads` filled in as the compiler would.
private func outputsTask(_ id: String, needs: [String] = [], template: Template) -> PlanTask {
    var t = task(id, needs: needs, template: template)
    t.outputs = [PlanOutput(name: "n", type: .int)]
    t.reads = Reads(params: template.references.compactMap { if case .param(let p) = $0 { p.joined(separator: ".") } else { nil } },
                    outputs: template.references.compactMap { if case .output(let o) = $0 { o } else { nil } })
    return t
}

private func twoStep(n: Int64) -> Plan {
    let first = outputsTask("first", template: Template([.text("echo "), .reference(.param(["n"]))]))
    let reference = OutputReference(task: "first", output: "n", type: .int, mapped: false)
    let second = outputsTask("second", needs: ["first"], template: Template([.text("echo "), .reference(.output(reference))]))
    var other = task("other")
    other.reads = Reads()
    return plan([first, second, other], params: .object([("n", .int(n))]))
}

/// An `echo` process writes `n=` the last word of its command.
private func writesN(_ request: ProcessRequest, _ attempt: Int) -> FakeBehaviour {
    guard request.command.hasPrefix("echo") else { return FakeBehaviour() }
    return FakeBehaviour(outputs: "n=" + (request.command.split(separator: " ").last.map(String.init) ?? "0").replacingOccurrences(of: "'", with: ""))
}

@Test func aSecondRunStartsNothingAndJournalsCacheKeys() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let (first, firstRunner) = try runWithFake(twoStep(n: 1), in: dir, behaviour: writesN)
    #expect(first.state == .success)
    #expect(firstRunner.started.count == 3)
    let (second, secondRunner) = try runWithFake(twoStep(n: 1), in: dir, behaviour: writesN)
    #expect(secondRunner.started.isEmpty)
    for name in ["first", "second", "other"] {
        let instance = try #require(second.record.instance(InstanceKey(task: name)))
        #expect(instance.state == .cached)
        #expect(instance.cacheHit)
        #expect(instance.cacheKey == first.record.instance(InstanceKey(task: name))?.cacheKey)
        #expect(instance.cacheKey?.count == 64)
    }
    #expect(second.record.instance(InstanceKey(task: "second"))?.outputs["n"] == .int(1))
}

/// A run that started no process owes no sync (docs/executor.md "What each
/// fsync protects"): its journal, `plan.json` and `tasks.arrow` are written
/// whole but not synced. A run that started one syncs its journal.
@Test func aFullyCachedRunSyncsNothingAndStillLeavesWholeRecords() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let (first, firstRunner) = try executorWithFake(twoStep(n: 1), in: dir, behaviour: writesN)
    _ = try first.run()
    #expect(firstRunner.started.count == 3)
    #expect(first.durabilityRequired)
    #expect(first.journal.syncCount > 0, "a run that started processes syncs its journal")
    let (second, secondRunner) = try executorWithFake(twoStep(n: 1), in: dir, behaviour: writesN)
    let result = try second.run()
    #expect(secondRunner.started.isEmpty)
    #expect(!second.durabilityRequired)
    #expect(second.journal.syncCount == 0, "every instance was cached: nothing to sync")
    let run = result.directory.path
    let journal = try String(contentsOfFile: run + "/journal.jsonl", encoding: .utf8)
    let replayed = try RunRecord.replay(journal)
    #expect(replayed.finishedState == .success)
    #expect(replayed.instances.count == 3 && replayed.instances.allSatisfy { $0.state == .cached })
    let planText = try String(contentsOfFile: run + "/plan.json", encoding: .utf8)
    #expect((try? JSON.parse(planText))?["pipeline"]?.stringValue == "p", "plan.json is there and whole")
    let names = try FileManager.default.contentsOfDirectory(atPath: run)
    #expect(names.contains("tasks.arrow"))
    #expect(!names.contains { $0.contains("sluice-tmp") }, "no temporary file left: \(names)")
}

/// A child run about to start waits for the parent's journal to be durable:
/// from then on the parent's records are synced too, even if no process of
/// its own ever starts (the child's processes run under its journal).
@Test func waitingForDurabilityMakesTheRunsRecordsDurable() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    _ = try runWithFake(twoStep(n: 1), in: dir, behaviour: writesN)
    let (executor, runner) = try executorWithFake(twoStep(n: 1), in: dir, behaviour: writesN)
    try executor.prepare()
    #expect(!executor.durabilityRequired)
    #expect(executor.journalIsDurable())
    #expect(executor.durabilityRequired)
    #expect(executor.journal.syncCount == 1)
    executor.mailbox.attach(executor.runner)
    executor.loop()
    let result = try executor.finish()
    #expect(runner.started.isEmpty, "every instance cached")
    #expect(result.state == .success)
    #expect(executor.journal.syncCount >= 2, "the end of the run is synced as well")
}

/// The seal is checked in the line's bytes: any changed byte of a sealed
/// manifest line, in its body or its digest, makes it unsealed.
@Test func aManifestLineWithAnyByteChangedIsNotSealed() throws {
    let manifest = CacheManifest(key: String(repeating: "a", count: 64), pipeline: "p", task: "t", mapIndex: nil, runID: "r", created: 0,
                                 outputs: .object([("n", .int(41))]), artifacts: [], components: [])
    let line = manifest.sealedLine()
    #expect(CacheManifest.isSealed(Substring(line)))
    #expect(CacheManifest.isSealed(Substring("x" + line + "y").dropFirst().dropLast()), "a slice of a longer text")
    let bytes = Array(line.utf8)
    for i in bytes.indices {
        var changed = bytes
        changed[i] = changed[i] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        #expect(!CacheManifest.isSealed(Substring(String(decoding: changed, as: UTF8.self))), "byte \(i) changed")
    }
    #expect(!CacheManifest.isSealed(Substring(line.uppercased())))
    #expect(!CacheManifest.isSealed(Substring(line.dropLast())))
    #expect(!CacheManifest.isSealed(""))
    #expect(CacheKey.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
}

/// An entry's stored text is written as bytes, not through value trees: the same text, byte for
/// byte, as the lines spelled out here and as the trees `json()` and `componentsJSON()` compact to.
@Test func aManifestIsStoredAsItsTwoLinesSpelledOut() throws {
    let manifest = CacheManifest(
        key: String(repeating: "b", count: 64), pipeline: "p\"q", task: "t", mapIndex: 3, runID: "r1", created: 0,
        outputs: .object([("n", .int(-7)), ("s", .string("a \"quoted\" back\\slash\nline")), ("x", .double(1.5)), ("none", .null)]),
        artifacts: [CacheManifest.Artifact(output: "tbl", file: "tbl.arrow", size: 1234, sha256: String(repeating: "c", count: 64), workspacePath: nil),
                    CacheManifest.Artifact(output: "f", file: "f.file", size: 0, sha256: String(repeating: "d", count: 64), workspacePath: "out/f.txt")],
        components: [KeyComponent(kind: .command, name: "run", digest: String(repeating: "e", count: 64), display: "echo \"hi\"\\n"),
                     KeyComponent(kind: .param, name: "a.b", digest: String(repeating: "f", count: 64), display: "(absent)")])
    let body = #"{"version":2,"key":"\#(String(repeating: "b", count: 64))","run_id":"r1","outputs":{"n":-7,"s":"a \"quoted\" back\\slash\nline","x":1.5,"none":null},"#
        + #""artifacts":[{"output":"tbl","file":"tbl.arrow","size":1234,"sha256":"\#(String(repeating: "c", count: 64))","path":null},"#
        + #"{"output":"f","file":"f.file","size":0,"sha256":"\#(String(repeating: "d", count: 64))","path":"out/f.txt"}]"#
    let first = body + #","sha256":""# + CacheKey.sha256(body) + #""}"#
    let second = #"{"version":2,"key":"\#(String(repeating: "b", count: 64))","pipeline":"p\"q","task":"t","map_index":3,"run_id":"r1","#
        + #""created":"1970-01-01T00:00:00.000Z","components":[{"kind":"command","name":"run","digest":"\#(String(repeating: "e", count: 64))","#
        + #""display":"echo \"hi\"\\n"},{"kind":"param","name":"a.b","digest":"\#(String(repeating: "f", count: 64))","display":"(absent)"}]}"#
    #expect(manifest.storedText() == first + "\n" + second + "\n")
    #expect(manifest.sealedLine() == first)
    var tree = manifest.json().compact()
    tree.removeLast()
    #expect(tree == body, "the tree compacts to the same text")
    #expect(manifest.componentsJSON().compact() == second)
    #expect(CacheManifest.isSealed(Substring(first)))
}

@Test func aChangedParamInvalidatesItsReaderAndDownstreamOnly() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    _ = try runWithFake(twoStep(n: 1), in: dir, behaviour: writesN)
    var options = RunOptions(environment: ["PATH": "/usr/bin:/bin"])
    options.cache.explain = true
    let (changed, runner) = try runWithFake(twoStep(n: 2), in: dir, options: options, behaviour: writesN)
    #expect(runner.commands == ["echo 2", "echo 2"])
    #expect(changed.state(of: "other") == .cached)
    #expect(changed.explanations.contains("first: ran: param n changed (1 -> 2)"), "\(changed.explanations)")
    #expect(changed.explanations.contains("second: ran: upstream value first.n changed (1 -> 2)"), "\(changed.explanations)")
    #expect(changed.explanations.contains { $0.hasPrefix("other: cached: key ") })
}

@Test func forceTaskRunsTheTaskAndItsDownstreamAndRefusesUnknownTasks() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    _ = try runWithFake(twoStep(n: 1), in: dir, behaviour: writesN)
    var options = RunOptions(environment: ["PATH": "/usr/bin:/bin"])
    options.cache.forceTasks = ["first"]
    let (forced, runner) = try runWithFake(twoStep(n: 1), in: dir, options: options, behaviour: writesN)
    #expect(runner.started.count == 2)
    #expect(forced.state(of: "first") == .success && forced.state(of: "second") == .success && forced.state(of: "other") == .cached)
    options.cache.forceTasks = ["missing"]
    #expect(throws: ExecutorError.self) { try runWithFake(twoStep(n: 1), in: dir, options: options) }
}

@Test func failedAttemptsAreNeverCached() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let failing: (ProcessRequest, Int) -> FakeBehaviour = { _, _ in FakeBehaviour(status: .exited(3)) }
    let (first, _) = try runWithFake(plan([task("a")]), in: dir, behaviour: failing)
    #expect(first.state(of: "a") == .failed)
    #expect(first.record.instance(InstanceKey(task: "a"))?.cacheKey == nil)
    let (second, runner) = try runWithFake(plan([task("a")]), in: dir)
    #expect(runner.started.count == 1)
    #expect(second.state(of: "a") == .success)
}

@Test func keysAreVersionedAndSeeEveryComponent() {
    let base = [KeyComponent(kind: .command, name: "run", digest: CacheKey.sha256("echo 1"), display: "echo 1")]
    let key = CacheKey(components: base)
    #expect(key == CacheKey(components: base), "deterministic")
    #expect(key.digest.count == 64)
    var renamed = base
    renamed[0].name = "run2"
    #expect(CacheKey(components: renamed).digest != key.digest)
    var displayed = base
    displayed[0].display = "something else"
    #expect(CacheKey(components: displayed).digest == key.digest, "the display is for --explain only")
    // Entries keep 200 characters; --explain prints 40 of them around the first difference.
    #expect(CacheKey.display(String(repeating: "x", count: 300), masker: SecretMasker(values: [])).count == CacheKey.displayLimit)
    let long = String(repeating: "x", count: 60)
    let context = String(repeating: "x", count: 20)
    #expect(Executor.changeText(long + "a", long + "b") == "(…\(context)a -> …\(context)b)")
    #expect(Executor.changeText("6.0", "7.0") == "(6.0 -> 7.0)")
    #expect(Executor.changeText(long + "…", long + "…").hasPrefix("(not shown"))
    #expect(CacheKey.display("token=abc", masker: SecretMasker(values: ["abc"])) == "token=***")
}

@Test func cacheFieldsRoundTripThroughTheJournal() throws {
    let event = JournalEvent.TaskEvent(task: "t", mapIndex: 1, attempt: 0, state: .cached, time: 7_000, outputs: .object([("n", .int(1))]),
                                       message: "key abc… from run r", cacheHit: true, cacheKey: String(repeating: "a", count: 64))
    let line = String(decoding: JournalEvent.task(event).line(), as: UTF8.self)
    #expect(line == JournalEvent.task(event).json().compact())
    #expect((try? JSON.parse(line)).flatMap { JournalEvent(json: $0) } == .task(event))
    let start = #"{"event":"run_started","run_id":"r","pipeline":"p","time":"2026-11-21T06:00:00.123Z","parent_run_id":null,"version":1}"#
    let finished = #"{"event":"run_finished","state":"interrupted","time":"2026-11-21T06:00:01.000Z"}"#
    let resumed = String(decoding: JournalEvent.runResumed(time: 2_000_000, pid: 42).line(), as: UTF8.self)
    let record = try RunRecord.replay([start, finished, resumed, ""].joined(separator: "\n"))
    #expect(record.finishedState == nil, "a resumed run is running again")
    #expect(record.pid == 42)
    #expect(!record.tornTail)
    #expect(try RunRecord.replay(start + "\n" + #"{"event":"ta"#).tornTail)
}

/// A pack is read as bytes: two lines per entry whose keys agree, whole
/// lines only (a torn end is dropped), a final `\r` cut, other text kept as is.
@Test func packEntriesReadWholePairsWithMatchingKeysAndSkipTheRest() throws {
    let directory = try TemporaryDirectory()
    defer { directory.cleanUp() }
    let key1 = String(repeating: "a", count: 64), key2 = String(repeating: "b", count: 64), key3 = String(repeating: "c", count: 64)
    func line(_ key: String, _ rest: String) -> String { #"{"version":2,"key":""# + key + #"","# + rest }
    let text = line(key1, #""outputs":{"name":"é ü"}}"#) + "\n" + line(key1, #""task":"t"}"#) + "\r\n"
        + line(key2, "{}") + "\n" + line(key3, "{}") + "\n"  // keys disagree: skipped
        + #"{"version":1,"key":"# + "\n" + "junk\n"  // not this format: skipped
        + line(key3, "{}") + "\n" + line(key3, "{}")  // torn: no newline after the second line
    try Data(text.utf8).write(to: URL(fileURLWithPath: directory.path + "/p.jsonl"))
    let entries = CacheStore.packEntries(directory.path + "/p.jsonl")
    #expect(entries.map(\.0) == [key1])
    #expect(entries.first.map { String($0.1) } == line(key1, #""outputs":{"name":"é ü"}}"#))
    #expect(entries.first.map { String($0.2) } == line(key1, #""task":"t"}"#))
}

/// The publisher lets entries gather instead of waking for each, but only for a bounded time:
/// an entry is published without waiting for the run's end, and every entry by `finish`.
@Suite struct CachePublisherTests {
    /// Counts the jobs run (from the publisher's thread), under a lock.
    final class Counter: @unchecked Sendable {  // every access holds `lock`
        private let lock = NSLock()
        private var count = 0
        func add() { lock.lock(); count += 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    }

    /// A run that publishes nothing (fully cached, or nothing succeeded)
    /// starts no thread for it; the first entry starts one.
    @Test func noThreadStartsBeforeTheFirstEntryAndFinishNeedsNone() {
        let idle = CachePublisher()
        #expect(!idle.threadStarted)
        #expect(idle.finish().isEmpty)
        #expect(!idle.threadStarted)
        let used = CachePublisher()
        let published = Counter()
        used.submit { published.add(); return nil }
        #expect(used.threadStarted)
        #expect(used.finish().isEmpty)
        #expect(published.value == 1)
    }

    @Test func aLoneEntryIsPublishedWithinTheGatherIntervalNotOnlyAtTheEnd() throws {
        let publisher = CachePublisher()
        let published = Counter()
        publisher.submit { published.add(); return nil }
        let deadline = Date(timeIntervalSinceNow: 5)
        while published.value == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        #expect(published.value == 1, "published while the run goes on (gathered for \(CachePublisher.gatherInterval) s at most)")
        #expect(publisher.finish().isEmpty)
    }

    /// The run's end says no more entries come before its syncs: the batch
    /// gathering then is published at once, while the disk syncs, instead of
    /// at the end of its interval (here an hour) or in `finish`.
    @Test func theGatheringBatchIsPublishedAtOnceWhenSubmissionsEnd() throws {
        let publisher = CachePublisher(gatherInterval: 3600)
        let published = Counter()
        publisher.submit { published.add(); return nil }
        publisher.submit { published.add(); return nil }
        publisher.endSubmissions()
        let deadline = Date(timeIntervalSinceNow: 10)
        while published.value < 2, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        #expect(published.value == 2, "published before finish, not after the gathering interval")
        #expect(publisher.finish().isEmpty)
    }

    @Test func everyEntryOfManyBatchesIsPublishedByFinishWithItsProblems() {
        let publisher = CachePublisher()
        let published = Counter()
        let count = 3 * CachePublisher.batchLimit + 7
        for k in 0..<count {
            publisher.submit { published.add(); return k % 100 == 0 ? "problem \(k)" : nil }
            if k % 97 == 0 { Thread.sleep(forTimeInterval: 0.001) }
        }
        let problems = publisher.finish()
        #expect(published.value == count)
        #expect(problems.sorted() == stride(from: 0, to: count, by: 100).map { "problem \($0)" }.sorted())
    }
}

/// A run looks an entry's shard up relative to the held `entries/` descriptor: an entry with
/// artifacts is found there, and once its shard is a symlink (to the very directory moved
/// away) the entry is absent, not read through the link.
@Test func aRunFindsAnEntryInItsShardButNeverThroughASymlinkedShard() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let cache = CacheStore(RunStore(workspace: dir.path))
    try cache.lockShared()
    defer { cache.unlock() }
    let content = Array("rows\n".utf8)
    let source = dir.path + "/out.file"
    try Data(content).write(to: URL(fileURLWithPath: source))
    let key = "ab" + String(repeating: "1", count: 62)
    let manifest = CacheManifest(key: key, pipeline: "p", task: "t", mapIndex: nil, runID: "r", created: 0, outputs: .object([]),
                                 artifacts: [CacheManifest.Artifact(output: "f", file: "f.file", size: Int64(content.count),
                                                                    sha256: CacheKey.sha256(content), workspacePath: nil)],
                                 components: [])
    #expect(cache.publish(manifest, sources: ["f": source], replace: false) == nil)
    guard case .intact = cache.check(key) else { Issue.record("the published entry is found"); return }
    let entries = dir.path + "/.sluice/cache/entries"
    try FileManager.default.moveItem(atPath: entries + "/ab", toPath: dir.path + "/moved")
    try FileManager.default.createSymbolicLink(atPath: entries + "/ab", withDestinationPath: dir.path + "/moved")
    guard case .absent = cache.check(key) else { Issue.record("a symlinked shard is not read through"); return }
}

/// The parts of a key every instance of a task shares (its `task` and
/// `outputs` components) are made once per task, and the shell spots of its
/// `run` are judged once per task: every instance's key must still be made
/// of exactly the components spelled out here, and a recomputed key must
/// equal the first, for mapped and unmapped tasks side by side.
@Test func eachInstancesKeyIsSpelledOutWhateverWasMadeOncePerTask() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let mapped = task("each", foreach: .param(["xs"]), outputs: [PlanOutput(name: "n", type: .int)],
                      template: Template([.text("echo "), .reference(.item)]))
    let single = task("single", outputs: [PlanOutput(name: "n", type: .int)], template: Template([.text("echo 7")]))
    let (executor, _) = try executorWithFake(plan([mapped, single], params: .object([("xs", .array([.int(1), .int(2), .int(3)]))])),
                                             in: dir, behaviour: writesN)
    let result = try executor.run()
    #expect(result.state == .success)
    func component(_ key: CacheKey, _ kind: KeyComponent.Kind) -> KeyComponent? { key.components.first { $0.kind == kind } }
    var commands = Set<String>()
    for index in 0..<3 {
        let ref = InstanceRef(task: 0, mapIndex: index)
        let key = try #require(executor.computeKey(ref))
        #expect(component(key, .task) == KeyComponent(kind: .task, name: "each", digest: CacheKey.sha256("each\u{0}item"), display: "each"))
        #expect(component(key, .outputs) == KeyComponent(kind: .outputs, name: "declared", digest: CacheKey.sha256("n:int:"), display: ""))
        #expect(component(key, .command)?.digest == CacheKey.sha256("echo \(index + 1)"), "an int renders as its digits")
        #expect(key == executor.computeKey(ref), "the same key however often it is made")
        #expect(key.digest == result.record.instance(InstanceKey(task: "each", mapIndex: index))?.cacheKey)
        commands.insert(component(key, .command)?.digest ?? "")
    }
    #expect(commands.count == 3, "each instance's command is its own")
    let key = try #require(executor.computeKey(InstanceRef(task: 1, mapIndex: nil)))
    #expect(component(key, .task) == KeyComponent(kind: .task, name: "single", digest: CacheKey.sha256("single\u{0}-"), display: "single"))
    #expect(component(key, .outputs)?.digest == CacheKey.sha256("n:int:"))
    #expect(key.digest == result.record.instance(InstanceKey(task: "single"))?.cacheKey)
}

/// The `outputs` component's digest is looked up by the declared text it
/// hashes (each text hashed once per run): tasks declaring nothing share one,
/// and a task declaring something between them still gets its own.
@Test func eachTaskKeysItsOwnDeclaredOutputsThoughEqualTextsAreHashedOnce() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let tasks = [task("a"), task("b", outputs: [PlanOutput(name: "n", type: .int)]), task("c"),
                 task("d", outputs: [PlanOutput(name: "n", type: .int)]), task("e", outputs: [PlanOutput(name: "m", type: .int)])]
    let (executor, _) = try executorWithFake(plan(tasks), in: dir, behaviour: writesN)
    _ = try executor.run()
    let declared = ["": CacheKey.sha256(""), "n:int:": CacheKey.sha256("n:int:"), "m:int:": CacheKey.sha256("m:int:")]
    for (index, text) in ["", "n:int:", "", "n:int:", "m:int:"].enumerated() {
        let key = try #require(executor.computeKey(InstanceRef(task: index, mapIndex: nil)))
        #expect(key.components.first { $0.kind == .outputs }?.digest == declared[text], "task \(tasks[index].id)")
    }
    #expect(Set(declared.values).count == 3)
}

/// A reference in an unsafe spot fails every instance of a mapped task
/// before any process starts, although the spots are judged once per task;
/// a safe task beside it still runs.
@Test func anUnsafeSpotFailsEveryInstanceOfAMappedTaskWithoutAProcess() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let unsafe = task("each", foreach: .param(["xs"]), template: Template([.text("echo `echo "), .reference(.item), .text("`")]))
    let (result, runner) = try runWithFake(plan([unsafe, task("safe", run: "echo ok")], params: .object([("xs", .array([.int(1), .int(2)]))])), in: dir)
    for index in 0..<2 {
        #expect(result.state(of: "each", index) == .failed)
        #expect(result.record.instance(InstanceKey(task: "each", mapIndex: index))?.message?.hasPrefix("unsafe reference {{ item }} in \"run\": it sits inside `") == true)
    }
    #expect(runner.commands == ["echo ok"])
}

/// The key's encoding, spelled out: a version line, then per component its
/// kind, NUL, the name's length in UTF-8 bytes in decimal, `:`, the name,
/// NUL and the digest. Lengths of one, two and three digits, and a name
/// that is not ASCII (its length counts bytes, not characters).
@Test func aKeyHashesItsComponentsEncodingSpelledOut() {
    let names = ["x", "run", String(repeating: "n", count: 10), String(repeating: "é", count: 60), String(repeating: "p", count: 123)]
    let components = names.enumerated().map { i, name in
        KeyComponent(kind: KeyComponent.Kind.allCases[i % KeyComponent.Kind.allCases.count], name: name, digest: CacheKey.sha256(name), display: "")
    }
    var text = "sluice-cache-key v1\n"
    for c in components { text += "\(c.kind.rawValue)\u{0}\(c.name.utf8.count):\(c.name)\u{0}\(c.digest)\n" }
    #expect(CacheKey(components: components).digest == CacheKey.sha256(text))
    var digits: [UInt8] = []
    for value in [0, 7, 10, 99, 120, 4096] { digits.appendDecimal(Int64(value)); digits.append(UInt8(ascii: " ")) }
    #expect(String(decoding: digits, as: UTF8.self) == "0 7 10 99 120 4096 ")
}

/// A key hashed on from the state after its first component (what every
/// instance of a task shares) is the key hashed whole, whether that component
/// ends inside the hash's first 64-byte block, at a block's end or beyond it.
@Test func aKeyHashedOnFromItsFirstComponentIsTheKeyHashedWhole() {
    let rest = [KeyComponent(kind: .command, name: "run", digest: CacheKey.sha256("echo 1"), display: "echo 1"),
                KeyComponent(kind: .outputs, name: "declared", digest: CacheKey.sha256(""), display: "")]
    for length in [1, 20, 43, 44, 45, 100, 300] {
        let first = KeyComponent(kind: .task, name: String(repeating: "t", count: length), digest: CacheKey.sha256("t"), display: "shown")
        let whole = CacheKey(components: [first] + rest)
        let shared = CacheKey.hasher(afterFirst: KeyComponent(kind: .task, name: first.name, digest: first.digest, display: ""))
        #expect(CacheKey(components: [first] + rest, hashedFirst: shared) == whole, "a name of \(length) bytes")
        #expect(CacheKey(components: [first] + rest, hashedFirst: shared) == whole, "the shared state is not used up")
    }
}

/// `entries/` and `tmp/` are made by the first entry with artifacts, not when a
/// run takes the cache's lock (a first run whose entries all go into its pack
/// makes neither); an entry another run published after this run started, making
/// them, is still found. A symlink planted where they would be is refused at the lock.
@Test func theCachePartsAreMadeByTheFirstEntryWithArtifacts() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let first = CacheStore(RunStore(workspace: dir.path))
    try first.lockShared()
    defer { first.unlock() }
    let cacheRoot = dir.path + "/.sluice/cache"
    #expect(try FileManager.default.contentsOfDirectory(atPath: cacheRoot) == ["lock"])
    let key = "cd" + String(repeating: "2", count: 62)
    guard case .absent = first.check(key) else { Issue.record("nothing published yet"); return }
    #expect(first.sweepTemporaries() == 0)
    let second = CacheStore(RunStore(workspace: dir.path))
    try second.lockShared()
    defer { second.unlock() }
    let content = Array("rows\n".utf8)
    let source = dir.path + "/out.file"
    try Data(content).write(to: URL(fileURLWithPath: source))
    let manifest = CacheManifest(key: key, pipeline: "p", task: "t", mapIndex: nil, runID: "r", created: 0, outputs: .object([]),
                                 artifacts: [CacheManifest.Artifact(output: "f", file: "f.file", size: Int64(content.count),
                                                                    sha256: CacheKey.sha256(content), workspacePath: nil)],
                                 components: [])
    #expect(second.publish(manifest, sources: ["f": source], replace: false) == nil)
    #expect(try FileManager.default.contentsOfDirectory(atPath: cacheRoot).sorted() == ["entries", "lock", "tmp"])
    guard case .intact = first.check(key) else { Issue.record("the other run's entry is found"); return }
    for name in ["entries", "tmp"] {
        let other = try TemporaryDirectory()
        defer { other.cleanUp() }
        try FileManager.default.createDirectory(atPath: other.path + "/.sluice/cache", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: other.path + "/.sluice/cache/" + name, withDestinationPath: dir.path)
        #expect(throws: ExecutorError.self, "a symlinked \(name)/") { try CacheStore(RunStore(workspace: other.path)).lockShared() }
    }
}

/// The run's pack is written under a temporary name beside the run's last
/// syncs and becomes a pack (`*.jsonl`, what lookups read) only when
/// `publish`ed, after `run_finished` is on disk: a run that dies in between
/// leaves no pack, only a temporary file no lookup reads.
@Test func thePackIsReadOnlyOncePublished() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let cache = CacheStore(RunStore(workspace: dir.path))
    try cache.lockShared()
    defer { cache.unlock() }
    let key = "cd" + String(repeating: "2", count: 62)
    let manifest = CacheManifest(key: key, pipeline: "p", task: "t", mapIndex: nil, runID: "r", created: 0,
                                 outputs: .object([("n", .int(7))]), artifacts: [], components: [])
    #expect(cache.publish(manifest, sources: [:], replace: false) == nil)
    let prepared = try #require(cache.preparePack(runID: "r"))
    let packs = dir.path + "/.sluice/cache/packs"
    let written = try FileManager.default.contentsOfDirectory(atPath: packs)
    #expect(written.count == 1 && !written[0].hasSuffix(".jsonl"), "\(written)")
    #expect(CacheStore.readPacks(packs).isEmpty)
    prepared.publish()
    #expect(try FileManager.default.contentsOfDirectory(atPath: packs) == ["r-\(getpid()).jsonl"])
    #expect(CacheStore.readPacks(packs)[key] != nil)
    #expect(cache.preparePack(runID: "r") == nil, "nothing more to pack")
}

/// An attempt runs the command its key rendered only when both render the
/// same values: not when `run` reads an upstream output (a key renders a
/// file or table as its digest, the attempt as its path), nor when the item
/// is an upstream file.
@Test func theKeysRenderingOfRunIsReusedOnlyWhereTheAttemptWouldRenderTheSameText() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let upFile = OutputReference(task: "up", output: "f", type: .file, mapped: false)
    // What a task mapped over a mapped producer's file output sees: the list of its instances' files.
    let upFiles = OutputReference(task: "up", output: "f", type: .list(.file), mapped: true)
    let tasks = [
        task("up", outputs: [PlanOutput(name: "f", type: .file)]),
        task("reader", needs: ["up"], template: Template([.text("cat "), .reference(.output(upFile))])),
        task("each", foreach: .param(["xs"]), template: Template([.text("echo "), .reference(.item)])),
        task("overFiles", needs: ["up"], foreach: .output(upFiles), template: Template([.text("cat "), .reference(.item)])),
    ]
    let (executor, _) = try executorWithFake(plan(tasks, params: .object([("xs", .array([.int(1)]))])), in: dir)
    #expect(executor.constantKeyParts(0, mapped: false).commandIsTheAttempts)
    #expect(!executor.constantKeyParts(1, mapped: false).commandIsTheAttempts)
    #expect(executor.constantKeyParts(2, mapped: true).commandIsTheAttempts)
    #expect(!executor.constantKeyParts(3, mapped: true).commandIsTheAttempts)
}
