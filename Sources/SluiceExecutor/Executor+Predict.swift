import Foundation
import SluiceBasics
import SluicePlan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `sluice run --dry-run` predicts for one instance, or for a whole
/// mapped task whose items are known only at run time.
public struct PredictedInstance: Sendable, Equatable {
    public enum Verdict: String, Sendable {
        case run, cached, skipped, failed
        case upstreamFailed = "upstream_failed"
    }

    public var task: String
    public var mapIndex: Int?
    public var label: String?
    /// False for a mapped task whose list comes from an upstream that would
    /// run: its instances are counted at run time, so it is one entry.
    public var itemsKnown = true
    public var verdict: Verdict
    /// Why, in `--explain`'s words without its `ran: ` / `cached: ` lead.
    public var reason: String
    /// The key the instance would have (run or cached), when it can be known before the run.
    public var cacheKey: String?

    /// `task`, `task[label]`, or `task[i]`.
    public var name: String { InstanceKey.name(InstanceKey(task: task, mapIndex: mapIndex), label: label) }
}

/// The prediction of a whole run, in start order.
public struct Prediction: Sendable {
    public var pipeline: String
    public var workspace: String
    public var instances: [PredictedInstance]
    /// What the run would note too (a `deps` file that does not exist).
    public var notes: [String]

    public func count(_ verdict: PredictedInstance.Verdict) -> Int { instances.filter { $0.verdict == verdict }.count }

    /// `would run 3 of 12 tasks (9 cached)`: map instances count one each
    /// (the word is then "instances"), a list known only at run time as one.
    public var summary: String {
        let noun = instances.contains { $0.mapIndex != nil } ? "instances" : "tasks"
        var rest = ["\(count(.cached)) cached"]
        if count(.skipped) > 0 { rest.append("\(count(.skipped)) skipped") }
        let failing = count(.failed) + count(.upstreamFailed)
        if failing > 0 { rest.append("\(failing) would fail") }
        return "would run \(count(.run)) of \(instances.count) \(noun) (\(rest.joined(separator: ", ")))"
    }

    /// The `--format json` shape (docs/schema/dry-run.schema.json).
    public func json() -> JSON {
        let entries: [JSON] = instances.map { instance in
            .object([("task", .string(instance.task)), ("map_index", instance.mapIndex.map { .int(Int64($0)) } ?? .null),
                     ("label", instance.label.map(JSON.string) ?? .null), ("items_known", .bool(instance.itemsKnown)),
                     ("prediction", .string(instance.verdict.rawValue)), ("reason", .string(instance.reason)),
                     ("cache_key", instance.cacheKey.map(JSON.string) ?? .null)])
        }
        let counts: JSON = .object([("total", .int(Int64(instances.count))), ("run", .int(Int64(count(.run)))),
                                    ("cached", .int(Int64(count(.cached)))), ("skipped", .int(Int64(count(.skipped)))),
                                    ("failed", .int(Int64(count(.failed) + count(.upstreamFailed))))])
        return .object([("version", .int(1)), ("pipeline", .string(pipeline)), ("workspace", .string(workspace)),
                        ("summary", .string(summary)), ("counts", counts), ("tasks", .array(entries)),
                        ("notes", .array(notes.map(JSON.string)))])
    }
}

/// `--dry-run`: the run played through the real scheduler and the real cache
/// decision (`cacheDecision`, `computeKey`, `explainMiss`), with nothing
/// started and nothing written. An instance that would run is assumed to
/// succeed; its new key stands in for its identity downstream when the key
/// can be known, and its outputs are unknown: whatever reads them, or maps
/// over them, is predicted to run.
extension Executor {
    /// What `run()` would do with these options, without doing it.
    public static func predict(_ plan: Plan, options: RunOptions) throws(ExecutorError) -> Prediction {
        var options = options
        options.cache.explain = true  // the reasons are the prediction
        options.resumeRunID = nil
        return try Executor(plan: plan, options: options, services: RunServices()).predict()
    }

    /// Stands in for the run id a real run would get: a command that reads it is never cached.
    static let predictedRunID = "(next run)"

    private func predict() throws(ExecutorError) -> Prediction {
        try prepareEnvironment()
        runID = Self.predictedRunID
        runDate = Timestamp.date(clock.now())
        var readLock: Int32 = -1
        if options.cache.enabled {
            // Read where the run would read, without making `.sluice/cache/` or its lock file:
            // the deps memo is read and never saved, the lock taken only if it exists.
            cache = CacheStore(runStore)
            if let directory = try existingCacheDirectory() {
                for name in ["entries", "packs"] where directory.kind(of: name).map({ $0 != S_IFDIR }) ?? false {
                    throw ExecutorError("\(directory.path)/\(name) is not a directory: sluice never reads its records through a symbolic link (a task may have planted it)")
                }
                depsDigests = DepsDigests(in: directory)
                readLock = openat(directory.fd, "lock", O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
                if readLock >= 0 { while flock(readLock, LOCK_SH) != 0 && errno == EINTR {} }
            }
        }
        defer { if readLock >= 0 { close(readLock) } }
        var state = PredictionState()
        absorb(scheduler.start(), &state)
        // Every instance is finished as soon as it is taken, so the slots never run out.
        while let ref = scheduler.takeNext() { predict(ref, &state) }
        if !scheduler.isComplete { absorb(scheduler.abandon(reason: "internal error: nothing could start"), &state) }
        func position(_ key: InstanceKey) -> (Int, Int) { (graph.index[key.task].map { graph.order[$0] } ?? 0, key.mapIndex ?? -1) }
        let found = state.found.sorted { position($0.key) < position($1.key) }
        return Prediction(pipeline: plan.pipeline, workspace: workspace, instances: found.map(\.value), notes: notes)
    }

    /// `.sluice/cache/`, or nil when it does not exist yet (every lookup then
    /// misses). A symlink on the way is refused, as a run refuses it.
    private func existingCacheDirectory() throws(ExecutorError) -> RecordDirectory? {
        do {
            return try runStore.openCache(create: false)
        } catch {
            var path = workspace
            for part in RunStore.Layout.cache.split(separator: "/") {
                path += "/" + part
                var info = stat()
                if lstat(path, &info) != 0 && errno == ENOENT { return nil }
            }
            throw error
        }
    }

    /// The scheduler's events, taken as the run would take them, minus the journal.
    private func absorb(_ events: [SchedulerEvent], _ state: inout PredictionState) {
        for event in events {
            switch event {
            case .queued: break
            case .settled(let ref, let settled, let reason):
                let verdict: PredictedInstance.Verdict
                switch settled {
                case .skipped: verdict = .skipped
                case .upstreamFailed: verdict = .upstreamFailed
                default: verdict = .failed
                }
                state.note(ref, predicted(ref, verdict, reason))
            case .needsExpansion(let task):
                absorb(predictExpansion(task, &state), &state)
            }
        }
    }

    private func predictExpansion(_ task: Int, _ state: inout PredictionState) -> [SchedulerEvent] {
        if case .output(let source)? = graph.tasks[task].foreach, let producer = graph.index[source.task],
           state.unknownOutputs.contains(producer) {
            // The list is an output of a task that would run: one entry stands for the instances.
            state.listKnownAtRunTime.insert(task)
            return scheduler.expand(task: task, count: 1)
        }
        switch foreachItems(task) {
        case .success(let list):
            items[task] = list
            labels[task] = InstanceKey.uniqueLabels(list.enumerated().map { index, item in
                TemplateRenderer.instanceLabel(graph.tasks[task], labelContext(item, index: index), masker: masker)
            })
            return scheduler.expand(task: task, count: list.count)
        case .failure(let error):
            return scheduler.failExpansion(task: task, message: "foreach: \(error.message)")
        }
    }

    private func predict(_ ref: InstanceRef, _ state: inout PredictionState) {
        let task = graph.tasks[ref.task]
        if state.listKnownAtRunTime.contains(ref.task), case .output(let source)? = task.foreach {
            var entry = predicted(InstanceRef(task: ref.task, mapIndex: nil), .run, "depends on \(source.task).\(source.output), known at run time")
            entry.itemsKnown = false
            assumeRan(ref, key: nil, entry, &state)
            return
        }
        // An upstream that would run and whose output this reads (or whose
        // key cannot be known) makes this key unknowable: it runs. Tasks that
        // are never cached, or forced, say that instead.
        let uncacheable = cache == nil || !task.cache || task.kind == .trigger
        if !uncacheable, let upstream = unknownUpstream(ref, state) {
            let why = forced.contains(ref.task) ? (options.cache.forceAll ? "--force" : "--force-task")
                : "upstream \(upstream) would run, so its output may change"
            assumeRan(ref, key: nil, predicted(ref, .run, why), &state)
            return
        }
        let branchNote = undecidedBranch(ref, state).map { " (if branch \($0) chooses it)" } ?? ""
        switch cacheDecision(ref) {
        case .hit(let manifest, let key):
            if predictHit(ref, manifest, key) {
                let known = unknownUpstreamTask(ref, state).map { "; its key does not depend on what \($0) outputs" } ?? ""
                var entry = predicted(ref, .cached, "key \(CacheKey.short(key.digest))… from run \(manifest.runID)" + known + branchNote)
                entry.cacheKey = key.digest
                state.note(ref, entry)
                absorb(scheduler.finish(ref, .cached), &state)
                return
            }
            var entry = predicted(ref, .run, "the cached outputs could not be used in this run" + branchNote)
            entry.cacheKey = key.digest
            assumeRan(ref, key: key, entry, &state)
        case .run(let key, let why):
            let reason = why.hasPrefix("ran: ") ? String(why.dropFirst(5)) : why
            var entry = predicted(ref, .run, reason + branchNote)
            entry.cacheKey = key?.digest
            assumeRan(ref, key: uncacheable ? nil : key, entry, &state)
        }
    }

    private func predicted(_ ref: InstanceRef, _ verdict: PredictedInstance.Verdict, _ reason: String) -> PredictedInstance {
        PredictedInstance(task: graph.tasks[ref.task].id, mapIndex: ref.mapIndex,
                          label: ref.mapIndex.flatMap { i in labels[ref.task].flatMap { i < $0.count ? $0[i] : nil } },
                          verdict: verdict, reason: masker.mask(reason))
    }

    /// An instance that would run, taken as succeeding: downstream keys fold
    /// in its new key when it is known (as a real run publishes it), and
    /// `--explain`'s "upstream X ran" finds it in the record.
    private func assumeRan(_ ref: InstanceRef, key: CacheKey?, _ entry: PredictedInstance, _ state: inout PredictionState) {
        state.note(ref, entry)
        state.unknownOutputs.insert(ref.task)
        if let key { identities[ref] = key.digest } else { state.unknownIdentity.insert(ref.task) }
        record.apply(.task(JournalEvent.TaskEvent(task: graph.tasks[ref.task].id, mapIndex: ref.mapIndex, attempt: 1, state: .success, time: 0)))
        absorb(scheduler.finish(ref, .success), &state)
    }

    /// `applyHit` without its effects: the entry's values (tables and files
    /// at their cache paths) stand for the outputs downstream reads.
    private func predictHit(_ ref: InstanceRef, _ manifest: CacheManifest, _ key: CacheKey) -> Bool {
        guard let store = cache else { return false }
        let task = graph.tasks[ref.task]
        var values: [String: JSON] = [:]
        for (name, value) in manifest.outputs.objectValue ?? [] { values[name] = value }
        var digests: [String: String] = [:]
        for artifact in manifest.artifacts {
            guard let declared = task.output(artifact.output), declared.type.isArtifact else { return false }
            values[artifact.output] = .string(artifact.workspacePath.map { workspace + "/" + $0 } ?? store.entryPath(key.digest) + "/" + artifact.file)
            digests[artifact.output] = artifact.sha256
        }
        guard task.outputs.allSatisfy({ values[$0.name] != nil }) else { return false }
        if task.branch != nil, applyBranch(ref, values) != nil { return false }
        outputs[ref] = values
        artifactDigests[ref] = digests
        identities[ref] = key.digest
        return true
    }

    /// The first upstream task that would run and makes this instance's key
    /// unknowable: its key is unknown, or this instance reads its outputs.
    private func unknownUpstream(_ ref: InstanceRef, _ state: PredictionState) -> String? {
        let task = graph.tasks[ref.task]
        for up in graph.upstream[ref.task].sorted(by: { graph.order[$0] < graph.order[$1] }) {
            let id = graph.tasks[up].id
            if state.unknownIdentity.contains(up) { return id }
            if state.unknownOutputs.contains(up), task.reads.outputs.contains(where: { $0.task == id }) { return id }
        }
        return nil
    }

    /// An upstream task that would run (its key known, its outputs not read here).
    private func unknownUpstreamTask(_ ref: InstanceRef, _ state: PredictionState) -> String? {
        graph.upstream[ref.task].first { state.unknownOutputs.contains($0) }.map { graph.tasks[$0].id }
    }

    /// A branch task just upstream that would run: whether it chooses this task is known at run time.
    private func undecidedBranch(_ ref: InstanceRef, _ state: PredictionState) -> String? {
        graph.upstream[ref.task].first { graph.tasks[$0].branch != nil && state.unknownOutputs.contains($0) }.map { graph.tasks[$0].id }
    }
}

/// What the prediction learns as it goes.
struct PredictionState {
    var found: [InstanceKey: PredictedInstance] = [:]
    /// Tasks with an instance that would run: their outputs are known only then.
    var unknownOutputs = Set<Int>()
    /// Tasks with an instance whose identity downstream is unknown too (its key could not be known, or it is never cached).
    var unknownIdentity = Set<Int>()
    /// Mapped tasks over the output of a task that would run.
    var listKnownAtRunTime = Set<Int>()

    mutating func note(_ ref: InstanceRef, _ entry: PredictedInstance) {
        found[InstanceKey(task: entry.task, mapIndex: entry.mapIndex)] = entry
    }
}
