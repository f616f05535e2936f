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
    /// Finds the run to resume: an id of this pipeline in this workspace, or `latest`.
    static func findRun(_ id: String, workspace: String, pipeline: String) throws(ExecutorError) -> RunDirectory {
        let catalog = RunCatalog(workspaces: [workspace])
        if id == "latest" {
            guard let newest = catalog.entries(pipeline: pipeline).first else {
                throw ExecutorError("--resume latest: pipeline \(pipeline) has no run in \(workspace)/.sluice/runs")
            }
            return newest.directory
        }
        guard !id.contains("/"), !id.hasPrefix(".") else { throw ExecutorError("--resume \(id): not a run id") }
        let directory = RunDirectory(workspace: workspace, pipeline: pipeline, runID: id)
        if RunFiles.exists(directory.journal) { return directory }
        if let other = catalog.find(id) {
            throw ExecutorError("--resume \(id): that is a run of pipeline \(other.directory.pipeline), not \(pipeline)")
        }
        throw ExecutorError("--resume \(id): no run with that id in \(workspace)/.sluice/runs/\(pipeline)")
    }

    /// A run `--resume` would continue, as it was started.
    public struct ResumableRun: Sendable {
        public var runID: String
        /// The spec's plan with the params the run had (its `plan.json`, which holds them after `--param`).
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
        guard let workspace = RunFiles.realPath(path) else { throw ExecutorError("the workspace \(plan.workspace) does not exist") }
        let directory = try findRun(runID, workspace: workspace, pipeline: plan.pipeline)
        guard let bytes = RunFiles.readFile(directory.journal) else { throw ExecutorError("cannot read \(directory.journal)") }
        let record = try RunRecord.replay(String(decoding: bytes, as: UTF8.self))
        try checkSameSpec(plan, record, directory)
        var resumed = plan
        if let stored = RunFiles.readFile(directory.plan).flatMap({ try? Plan(jsonText: String(decoding: $0, as: UTF8.self)) }) {
            resumed.params = stored.params
        }
        return ResumableRun(runID: directory.runID, plan: resumed, flags: record.flags, succeeded: record.finishedState == .success)
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
        let found = try Self.findRun(id, workspace: workspace, pipeline: plan.pipeline)
        guard let bytes = RunFiles.readFile(found.journal) else { throw ExecutorError("cannot read \(found.journal)") }
        guard let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) else {
            throw ExecutorError("cannot resume run \(found.runID): \(found.journal) holds no whole record")
        }
        let whole = lastNewline + 1
        if whole < bytes.count {
            notes.append("dropped the torn last line of \(found.journal) (\(bytes.count - whole) bytes): the crash cut it short")
        }
        var replayed = try RunRecord.replay(String(decoding: bytes[0..<whole], as: UTF8.self))
        replayed.tornTail = false
        try Self.checkSameSpec(plan, replayed, found)
        directory = found
        runID = found.runID
        runDate = Timestamp.date(replayed.start)
        record = replayed
        // The journal's lock tells whether the run still lives: take it before touching anything.
        journal = try JournalWriter(path: found.journal, resumingAt: whole)
        let stopped = Self.stopLeftoverTasks(runID: runID)
        if stopped > 0 { notes.append("stopped \(stopped) process group\(stopped == 1 ? "" : "s") the crashed run left running") }
        try sweepRunDirectory()
        if let store = cache { _ = store.sweepTemporaries() }
        runDirectoryFD = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard runDirectoryFD >= 0 else { throw ExecutorError("cannot open \(directory.path): \(SystemCalls.errorText())") }
        onRunID?(runID, plan.pipeline, workspace)
        let now = clock.now()
        appendJournal(.runResumed(time: now, pid: getpid()))
        keepFinishedInstances(time: now)
        if !RunFiles.exists(directory.plan) { planWriter = PlanRecordWriter(plan: plan, path: directory.plan) }
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
    /// interrupted atomic writes (`.x.arrow.sluice-tmp-…`, never `*.arrow`).
    private func sweepRunDirectory() throws(ExecutorError) {
        for sub in ["logs", "outputs", "staging"] { try RunFiles.makeDirectories(directory.path + "/" + sub) }
        let staging = directory.path + "/staging"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? [] {
            CacheFiles.removeTree(staging + "/" + name)
        }
        guard let walker = FileManager.default.enumerator(atPath: directory.path) else { return }
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.contains(".sluice-tmp-") || name.contains(".tmp-") || name.contains(".part-") {
                unlink(directory.path + "/" + relative)
            }
        }
    }

    /// Task processes of a run whose sluice was killed (kill -9, a crash)
    /// live on in their own process groups; they carry the run id in their
    /// environment. SIGKILL their groups and wait (a second at most) until they are gone.
    static func stopLeftoverTasks(runID: String) -> Int {
        let marker = Array("SLUICE_RUN_ID=\(runID)".utf8)
        var groups = Set<pid_t>()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(name), pid != getpid(), let environ = RunFiles.readFile("/proc/\(pid)/environ") else { continue }
            guard environ.split(separator: 0).contains(where: { $0.elementsEqual(marker) }) else { continue }
            let group = getpgid(pid)
            if group > 1, group != getpgrp() { groups.insert(group) }
        }
        for group in groups { SystemCalls.signalGroup(group, SIGKILL) }
        let deadline = Date().addingTimeInterval(1)
        while groups.contains(where: SystemCalls.groupHasLiveProcess), Date() < deadline { usleep(10_000) }
        return groups.count
    }
}
