import Foundation
import SluicePlan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--resume RUN_ID` (docs/executor.md "Resuming a run"): the same run
/// directory and journal continue. Instances journaled `success` or
/// `cached` keep their outputs; failed, interrupted and never-started ones
/// run (mapped instances one by one); a torn last journal line is dropped.
extension Executor {
    /// Finds the run to resume: an id of this pipeline in this workspace, or
    /// `latest` (the newest run of the pipeline, `RunStore.latest(among:)`).
    static func findRun(_ id: String, in store: RunStore, pipeline: String) throws(ExecutorError) -> RunDirectory {
        if id == "latest" {
            guard let newest = store.latest(pipeline: pipeline) else {
                throw ExecutorError("--resume latest: pipeline \(pipeline) has no run in \(store.runsRoot)")
            }
            return newest
        }
        guard !id.contains("/"), !id.hasPrefix(".") else { throw ExecutorError("--resume \(id): not a run id") }
        if let found = store.find(id, pipeline: pipeline) { return found }
        if let other = store.runs().first(where: { $0.runID == id }) {
            throw ExecutorError("--resume \(id): that is a run of pipeline \(other.pipeline), not \(pipeline)")
        }
        throw ExecutorError("--resume \(id): no run with that id in \(store.runsRoot)/\(pipeline)")
    }

    /// A run `--resume` would continue, as it was started.
    public struct ResumableRun: Sendable {
        public var runID: String
        /// The spec's plan with the params the run had (its `plan.json`, which holds them after `--param`;
        /// a value stored masked, a secret given as a `--param`, is taken from this command line and
        /// `prepareResume` checks it is the secret again).
        public var plan: Plan
        /// `--force`, `--force-task`, `--no-cache` as the run was started: the resume keeps them.
        public var flags: JournalEvent.RunFlags
        /// Its last part ended `success`: there is nothing to resume, and nothing is written.
        public var succeeded: Bool
    }

    /// The run to resume and what it was started with. Refuses when the
    /// spec changed since (its SHA-256 differs from the journal's).
    public static func findResumable(_ plan: Plan, runID: String) throws(ExecutorError) -> ResumableRun {
        let path = plan.workspace.hasPrefix("/") ? plan.workspace : FileManager.default.currentDirectoryPath + "/" + plan.workspace
        guard let store = RunStore.at(path) else { throw ExecutorError("the workspace \(plan.workspace) does not exist") }
        let directory = try findRun(runID, in: store, pipeline: plan.pipeline)
        let record = try store.record(of: directory)
        try checkSameSpec(plan, record, directory)
        var resumed = plan
        if let stored = store.storedPlan(of: directory)?.params { resumed.params = restoringMasked(stored, given: plan.params) }
        return ResumableRun(runID: directory.runID, plan: resumed, flags: record.flags, succeeded: record.finishedState == .success)
    }

    /// `stored`, with every string that holds the mask replaced by the value at the same place in `given`.
    static func restoringMasked(_ stored: JSON, given: JSON) -> JSON {
        switch (stored, given) {
        case (.string(let text), _) where text.contains(SecretMasker.mask):
            return given
        case (.object(let members), .object(let givenMembers)):
            return .object(members.map { name, value in
                (name, givenMembers.first { $0.0 == name }.map { restoringMasked(value, given: $0.1) } ?? value)
            })
        case (.array(let items), .array(let givenItems)):
            return .array(items.enumerated().map { i, item in i < givenItems.count ? restoringMasked(item, given: givenItems[i]) : item })
        default:
            return stored
        }
    }

    /// The first param (dotted path) whose masked value differs from what `plan.json` stored.
    static func firstMaskedDifference(_ current: JSON, _ stored: JSON, path: String = "") -> String? {
        switch (current, stored) {
        case (.object(let members), .object(let storedMembers)):
            for (name, value) in members {
                guard let other = storedMembers.first(where: { $0.0 == name })?.1 else { continue }
                if let found = firstMaskedDifference(value, other, path: path.isEmpty ? name : path + "." + name) { return found }
            }
            return nil
        case (.array(let items), .array(let storedItems)) where items.count == storedItems.count:
            for (i, item) in items.enumerated() {
                if let found = firstMaskedDifference(item, storedItems[i], path: path + "[\(i)]") { return found }
            }
            return nil
        default:
            return current == stored ? nil : path
        }
    }

    /// A secret given as a `--param` is stored masked: the resume must be given it again (and its variable set).
    func checkSecretParams(_ found: RunDirectory) throws(ExecutorError) {
        guard let stored = runStore.storedPlan(of: found)?.params, stored.compact().contains(SecretMasker.mask),
              let name = Self.firstMaskedDifference(masker.mask(plan.params), stored) else { return }
        let variables = plan.secrets.joined(separator: ", ")
        throw ExecutorError("cannot resume run \(found.runID): param \(name) held a secret value, which plan.json keeps masked; "
                            + "pass it again with --param \(name)=VALUE (with \(variables.isEmpty ? "its secret variable" : variables) set, as in the first run)")
    }

    static func checkSameSpec(_ plan: Plan, _ record: RunRecord, _ directory: RunDirectory) throws(ExecutorError) {
        guard record.sourceSHA256 == plan.sourceSHA256 else {
            throw ExecutorError("cannot resume run \(directory.runID): \(plan.source) changed since it started "
                                + "(spec sha256 \(CacheKey.short(plan.sourceSHA256))…, the run's \(CacheKey.short(record.sourceSHA256))…); start a new run")
        }
    }

    /// Reopens the run directory, replays the journal, sweeps what the crash
    /// left behind, and journals `run_resumed`.
    func prepareResume(_ id: String) throws(ExecutorError) {
        let found = try Self.findRun(id, in: runStore, pipeline: plan.pipeline)
        // Every component opened without following a symlink, before anything is read.
        let run = try runStore.openRun(found)
        let bytes = try runStore.journalBytes(found)
        guard let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) else {
            throw ExecutorError("cannot resume run \(found.runID): \(found.journal) holds no whole record")
        }
        let whole = lastNewline + 1
        if whole < bytes.count {
            notes.append("dropped the torn last line of \(found.journal) (\(bytes.count - whole) bytes): the crash cut it short")
        }
        var replayed = try RunRecord.replay(String(decoding: bytes[0..<whole], as: UTF8.self), file: found.journal)
        replayed.tornTail = false
        try Self.checkSameSpec(plan, replayed, found)
        try checkSecretParams(found)
        directory = found
        runID = found.runID
        runDate = Timestamp.date(replayed.start)
        record = replayed
        // The journal's lock tells whether the run still lives: take it before touching anything.
        journal = try JournalWriter(path: found.journal, resumingAt: whole)
        let stopped = Self.stopLeftoverTasks(runIDs: [runID] + Self.descendantRunIDs(replayed))
        if stopped > 0 { notes.append("stopped \(stopped) process group\(stopped == 1 ? "" : "s") the crashed run left running") }
        try sweepRunDirectory(run)
        if let store = cache { _ = store.sweepTemporaries() }
        try onRunID?(runID, plan.pipeline, workspace)
        let now = clock.now()
        appendJournal(.runResumed(time: now, pid: getpid()))
        keepFinishedInstances(time: now)
        loggedTries = Self.highestLoggedTries(records.logs.names())
        if records.run.kind(of: RunStore.Layout.plan) == nil { planWriter = PlanRecordWriter(plan: plan, in: records.run, masker: masker) }
        requireDurability()  // the run's first part may have run processes: its records stay synced
        services.observer?.runStarted(RunStartInfo(runID: runID, pipeline: plan.pipeline, directory: directory,
                                                   parentRunID: options.parentRunID, depth: options.depth, time: now,
                                                   taskCount: plan.tasks.count, unsetSecrets: unsetSecrets))
    }

    /// Succeeded instances are kept (unless an output file is gone, or a
    /// value was masked); the others run again, their tries numbered on.
    /// An attempt the crash caught running is journaled `interrupted`.
    private func keepFinishedInstances(time: Int64) {
        for instance in record.instances {
            guard let task = graph.index[instance.key.task] else { continue }
            if graph.tasks[task].isMapped != (instance.key.mapIndex != nil) { continue }
            let ref = InstanceRef(task: task, mapIndex: instance.key.mapIndex)
            let lastTry = instance.attempts.last?.attempt ?? 0
            tries[ref] = lastTry
            attemptBase[ref] = lastTry
            switch instance.state {
            case .success, .cached:
                if keepable(instance, graph.tasks[task]) { restored[ref] = instance }
            case .running:
                emit(ref, attempt: lastTry, state: .interrupted, message: "the run stopped while it ran (resumed by --resume)",
                     log: instance.attempts.last?.log, time: time)
            default:
                break
            }
        }
    }

    /// The highest try of each file stem among log names (`fetch.2.try3.log`):
    /// the journal may lack an attempt a machine crash caught, its log not.
    static func highestLoggedTries(_ names: [String]) -> [String: Int] {
        var tries: [String: Int] = [:]
        for name in names where name.hasSuffix(".log") {
            let base = name.dropLast(4)
            guard let marker = base.range(of: ".try", options: .backwards), let attempt = Int(base[marker.upperBound...]), attempt > 0 else { continue }
            let stem = String(base[..<marker.lowerBound])
            tries[stem] = max(tries[stem] ?? 0, attempt)
        }
        return tries
    }

    private func keepable(_ instance: RunRecord.InstanceRecord, _ task: PlanTask) -> Bool {
        if !masker.isEmpty, instance.outputs.compact().contains(SecretMasker.mask) { return false }
        for output in task.outputs {
            guard let value = instance.outputs[output.name] else { return false }
            if output.type.isArtifact, !(value.stringValue.map(RunFiles.exists) ?? false) { return false }
        }
        return true
    }

    /// An instance kept from before the resume: its outputs and identity
    /// come back, and it settles as it was, without a new journal line.
    func restore(_ ref: InstanceRef, _ instance: RunRecord.InstanceRecord) {
        let task = graph.tasks[ref.task]
        var values: [String: JSON] = [:]
        for (name, value) in instance.outputs.objectValue ?? [] { values[name] = value }
        outputs[ref] = values
        if task.branch != nil { _ = applyBranch(ref, values) }
        identities[ref] = instance.cacheKey ?? uncachedIdentity(ref)
        var digests: [String: String] = [:]
        let recorded = instance.cacheKey.flatMap { cache?.manifest($0) }
        for output in task.outputs where output.type.isArtifact {
            if let known = recorded?.artifacts.first(where: { $0.output == output.name }) {
                digests[output.name] = known.sha256
            } else if let path = values[output.name]?.stringValue {
                digests[output.name] = FileDigest.sha256(path: path) ?? "unreadable"
            }
        }
        artifactDigests[ref] = digests
        if options.cache.explain { explanations.append((ref, "kept: it \(instance.state == .cached ? "was cached" : "succeeded") before the resume")) }
        handle(scheduler.finish(ref, instance.state == .cached ? .cached : .success))
    }

    /// Staging files of attempts the crash cut short, and temporary files of
    /// interrupted writes (`RunStore.sweepInterruptedWrites`). A task may have
    /// replaced `logs/`, `outputs/` or `staging/` with a symlink: the link is
    /// removed (never what it points to) and the directory made anew.
    private func sweepRunDirectory(_ run: RecordDirectory) throws(ExecutorError) {
        for name in ["logs", "outputs", "staging"] where run.kind(of: name) == S_IFLNK { run.remove(name) }
        records = try runStore.openRecords(directory)
        RunStore.sweepInterruptedWrites(records)
    }

    /// The child runs a run's trigger tasks started (journaled `child_run`
    /// before the child starts anything), and theirs, as deep as they go:
    /// when the parent's sluice dies, theirs dies with it (one process).
    static func descendantRunIDs(_ record: RunRecord) -> [String] {
        var found: [String] = []
        var seen = Set<String>()
        var queue = record.childRuns
        while let child = queue.popLast() {
            guard seen.insert(child.childRunID).inserted, !child.childRunID.contains("/"), !child.pipeline.contains("/") else { continue }
            found.append(child.childRunID)
            let store = RunStore(workspace: child.workspace)
            guard let childRecord = try? store.record(of: store.run(pipeline: child.pipeline, id: child.childRunID)) else { continue }
            queue.append(contentsOf: childRecord.childRuns)
        }
        return found
    }

    /// Task processes of a run whose sluice was killed (kill -9, a crash)
    /// live on in their own process groups; they carry their run's id in
    /// their environment (a child run's tasks carry the child's). SIGKILL
    /// their groups and wait (a second at most) until they are gone.
    static func stopLeftoverTasks(runIDs: [String]) -> Int {
        let markers = runIDs.map { Array("SLUICE_RUN_ID=\($0)".utf8) }
        var groups = Set<pid_t>()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(name), pid != getpid(), let environ = RunFiles.readFile("/proc/\(pid)/environ") else { continue }
            guard environ.split(separator: 0).contains(where: { entry in markers.contains { entry.elementsEqual($0) } }) else { continue }
            let group = getpgid(pid)
            if group > 1, group != getpgrp() { groups.insert(group) }
        }
        for group in groups { SystemCalls.signalGroup(group, SIGKILL) }
        let deadline = Date().addingTimeInterval(1)
        while groups.contains(where: SystemCalls.groupHasLiveProcess), Date() < deadline { usleep(10_000) }
        return groups.count
    }
}
