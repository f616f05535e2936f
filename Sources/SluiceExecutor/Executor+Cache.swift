import Crypto
import Foundation
import SluicePlan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Caching (docs/executor.md "Caching"): each instance's key is computed
/// when it is about to start; a key with an intact entry makes it `cached`
/// (outputs linked into this run), anything else runs, and a success is
/// published as a new entry on the publisher's thread.
extension Executor {
    enum CacheDecision {
        case hit(CacheManifest, CacheKey)
        case run(CacheKey?, why: String)
    }

    func cacheDecision(_ ref: InstanceRef) -> CacheDecision {
        // Fields read in place: a task bound to a name is a copy (a retain and release of each of its fields).
        if graph.tasks[ref.task].kind == .trigger { return .run(nil, why: "ran: trigger tasks are never cached (the child run has its own cache)") }
        if !graph.tasks[ref.task].cache { return .run(nil, why: "ran: cache: false") }
        guard let store = cache else { return .run(nil, why: "ran: caching is off") }
        guard let key = computeKey(ref) else { return .run(nil, why: "ran: its command or env could not be rendered") }
        if forced.contains(ref.task) {
            let named = options.cache.forceAll ? "--force" : "--force-task"
            return .run(key, why: "ran: \(named)")
        }
        switch store.check(key.digest) {
        case .intact(let manifest):
            return .hit(manifest, key)
        case .damaged(let problem):
            // Never used, and replaced when this run publishes the same key.
            return .run(key, why: "ran: cache entry \(CacheKey.short(key.digest))… failed its integrity check (\(problem))")
        case .absent:
            return .run(key, why: options.cache.explain ? explainMiss(ref, key) : "")
        }
    }

    // MARK: - Keys

    /// The key of an instance about to start, or nil when its command or env
    /// cannot be rendered (the attempt then fails and nothing is cached).
    func computeKey(_ ref: InstanceRef) -> CacheKey? {
        // Fields read in place: a task bound to a name is a copy (a retain and a release of each of its fields).
        let taskID = graph.tasks[ref.task].id
        // A map instance is keyed by its item, not its index: adding, removing
        // or reordering items leaves every other instance's key as it was.
        // (A command that renders `{{ index }}` still differs per index.)
        let constant = constantKeyParts(ref.task, mapped: ref.mapIndex != nil)
        var parts: [KeyComponent] = []
        parts.reserveCapacity(constant.componentCapacity)
        func add(_ kind: KeyComponent.Kind, _ name: String, _ canonical: String, _ display: String) {
            parts.append(KeyComponent(kind: kind, name: name, digest: CacheKey.sha256(canonical), display: display))
        }
        // What is shown (and kept in the cache entry) is derived from masked
        // values: a secret escaped as JSON or quoted for the shell before
        // masking would no longer match it.
        func shown(_ text: String) -> String { CacheKey.display(text, masker: masker) }
        func shownValue(_ value: JSON) -> String { shown(masker.mask(value).compact()) }
        /// A value's component: its compact JSON hashed and, with no secret to mask, shown (compacted once, not twice).
        func addValue(_ kind: KeyComponent.Kind, _ name: String, _ value: JSON) {
            let canonical = value.compact()
            add(kind, name, canonical, masker.isEmpty ? shown(canonical) : shownValue(value))
        }
        parts.append(KeyComponent(kind: .task, name: taskID, digest: constant.taskDigest,
                                  display: ref.mapIndex != nil ? taskID : key(ref).description))
        let context = keyContext(ref)
        if let run = graph.tasks[ref.task].run {
            let spots = runSpots(ref.task)
            guard let command = try? TemplateRenderer.shellCommand(run, context, spots: spots) else { return nil }
            if constant.commandIsTheAttempts { keyRenderedCommand = (ref, command) }
            // Rendered again, masked, only when there is a secret to mask.
            let maskedCommand = masker.isEmpty ? command : (try? TemplateRenderer.shellCommand(run, masked(context), spots: spots)) ?? command
            add(.command, "run", command, shown(maskedCommand))
        }
        for path in graph.tasks[ref.task].reads.params where path != constant.foreachParam {
            if let value = try? TemplateRenderer.lookupParam(path.split(separator: ".").map(String.init), in: plan.params) {
                addValue(.param, path, value)
            } else {
                add(.param, path, "\u{0}absent", "(absent)")
            }
        }
        for reference in graph.tasks[ref.task].reads.outputs where !(reference.task == constant.foreachOutput?.task && reference.output == constant.foreachOutput?.output) {
            let name = reference.dotted
            guard let (value, _) = try? keyOutput(reference) else { add(.value, name, "\u{0}absent", "(no value)"); continue }
            addValue(.value, name, value)
        }
        if ref.mapIndex != nil, let item = context.item { addValue(.item, "item", item) }
        if constant.readsRunID { add(.variable, "run.id", runID, runID) }
        if constant.readsRunDate { add(.variable, "run.date", runDate, runDate) }
        for variable in constant.envByName {
            if plan.secrets.contains(variable.name) {
                add(.env, variable.name, "\u{0}secret", "(secret)")  // a secret by name only, never its value
                continue
            }
            guard let text = try? TemplateRenderer.plainText(variable.value, context) else { return nil }
            add(.env, variable.name, text, shown((try? TemplateRenderer.plainText(variable.value, masked(context))) ?? text))
        }
        for dep in constant.depsEntries {
            let digest = depsDigests?.digest(WorkspacePaths.depsFile(dep, inWorkspace: workspace)) ?? "missing"
            if depsDigests != nil, digest == "missing" { noteMissingDeps(taskID, dep) }
            add(.deps, dep, digest, CacheKey.short(digest))
        }
        for up in constant.upstreamByID {
            let (canonical, display) = matchingInstance(ref).flatMap { $0.task == up ? instanceIdentity([$0], positional: false) : nil } ?? upstreamIdentity(up)
            add(.upstream, graph.tasks[up].id, canonical, display)
        }
        parts.append(constant.declared)
        return CacheKey(components: parts, hashedFirst: constant.keyStart)
    }

    /// What a task's key needs that is the same for every instance: the
    /// components of its own and its declared outputs, and which of its
    /// reads and in what order the other components come. Made once per
    /// task, not hashed, sorted and searched again for each map instance.
    /// A class: each instance's key reads it where it is kept, with no copy
    /// of its fields (a retain and a release of each) per instance.
    final class ConstantKeyParts {
        /// Whether `task` is the component of a map instance (`\u{0}item`) or of an unmapped one (`\u{0}-`).
        let mapped: Bool
        /// The digest of the `task` component (its display names the instance).
        let taskDigest: String
        /// For a mapped task, the key's hash state after its `task` component, which
        /// hashes the same bytes for every instance (`CacheKey.init(components:hashedFirst:)`).
        /// Nil for an unmapped task: its one key a run hashes whole, no state kept.
        let keyStart: SHA256?
        /// The `outputs` component.
        let declared: KeyComponent
        /// The param or upstream output `foreach` maps over, when it is in the
        /// key only through the item (`run` and `env` do not read the whole list).
        let foreachParam: String?
        let foreachOutput: OutputReference?
        /// Whether `run` or `env` reads `run.id` / `run.date`.
        let readsRunID: Bool
        let readsRunDate: Bool
        /// The task's env, by name; its `deps` entries, normalized and sorted; its upstream tasks, by id.
        let envByName: [EnvVariable]
        let depsEntries: [String]
        let upstreamByID: [Int]
        /// Room for every component an instance's key can have, so the list is not grown while it is made.
        let componentCapacity: Int
        /// Whether the key's rendering of `run` is the text the attempt runs:
        /// unless `run` reads an upstream output or the item is an upstream
        /// table's or file's (a key renders those as content digests, the
        /// attempt as paths), both render the same values.
        let commandIsTheAttempts: Bool

        init(mapped: Bool, taskDigest: String, keyStart: SHA256?, declared: KeyComponent, foreachParam: String?,
             foreachOutput: OutputReference?, readsRunID: Bool, readsRunDate: Bool, envByName: [EnvVariable],
             depsEntries: [String], upstreamByID: [Int], componentCapacity: Int, commandIsTheAttempts: Bool) {
            self.mapped = mapped
            self.taskDigest = taskDigest
            self.keyStart = keyStart
            self.declared = declared
            self.foreachParam = foreachParam
            self.foreachOutput = foreachOutput
            self.readsRunID = readsRunID
            self.readsRunDate = readsRunDate
            self.envByName = envByName
            self.depsEntries = depsEntries
            self.upstreamByID = upstreamByID
            self.componentCapacity = componentCapacity
            self.commandIsTheAttempts = commandIsTheAttempts
        }
    }

    func constantKeyParts(_ index: Int, mapped: Bool) -> ConstantKeyParts {
        if keyPartsByTask.isEmpty { keyPartsByTask = Array(repeating: nil, count: graph.tasks.count) }
        if let parts = keyPartsByTask[index], parts.mapped == mapped { return parts }
        let task = graph.tasks[index]
        // A table's checks decide whether it is published: a changed check must not reuse a table the old ones let through.
        let declared = task.outputs.map { "\($0.name):\($0.type):\($0.path ?? "")" + ($0.checks.isEmpty ? "" : ":checks=" + JSON.array($0.checks.map { $0.json() }).compact()) } + (task.branch.map { ["branch:" + $0.joined(separator: ",")] } ?? [])
        // Most tasks declare the same few outputs (none, often): each text is hashed once per run.
        let declaredText = declared.joined(separator: "\n")
        let declaredDigest: String
        if let known = declaredDigests[declaredText] {
            declaredDigest = known
        } else {
            declaredDigest = CacheKey.sha256(declaredText)
            declaredDigests[declaredText] = declaredDigest
        }
        // What `foreach` maps over is in the key only through the item,
        // unless `run` or `env` also read the whole list.
        let direct = (task.run?.references ?? []) + task.env.flatMap(\.value.references)
        var foreachParam: String?
        var foreachOutput: OutputReference?
        switch task.foreach {
        case .param(let path)? where !direct.contains(.param(path)): foreachParam = path.joined(separator: ".")
        case .output(let source)? where !direct.contains(where: { if case .output(let r) = $0 { r.task == source.task && r.output == source.output } else { false } }):
            foreachOutput = source
        default: break
        }
        let upstream = graph.upstream[index].sorted(by: { graph.tasks[$0].id < graph.tasks[$1].id })
        let runReadsOutputs = task.run?.references.contains { if case .output = $0 { true } else { false } } ?? false
        let itemIsADigest = if case .output(let source)? = task.foreach { isArtifact(source) } else { false }
        let taskDigest = CacheKey.sha256(task.id + (mapped ? "\u{0}item" : "\u{0}-"))
        let parts = ConstantKeyParts(
            mapped: mapped, taskDigest: taskDigest,
            keyStart: mapped ? CacheKey.hasher(afterFirst: KeyComponent(kind: .task, name: task.id, digest: taskDigest, display: "")) : nil,
            declared: KeyComponent(kind: .outputs, name: "declared", digest: declaredDigest, display: ""),
            foreachParam: foreachParam, foreachOutput: foreachOutput,
            readsRunID: direct.contains(.runID), readsRunDate: direct.contains(.runDate),
            envByName: task.env.sorted(by: { $0.name < $1.name }), depsEntries: task.deps.map(WorkspacePaths.depsEntry).sorted(),
            upstreamByID: upstream,
            // task, command, item, run.id, run.date and outputs, beside one per read, env, deps entry and upstream task
            componentCapacity: 6 + task.reads.params.count + task.reads.outputs.count + task.env.count + task.deps.count + upstream.count,
            commandIsTheAttempts: !runReadsOutputs && !itemIsADigest)
        keyPartsByTask[index] = parts
        return parts
    }

    /// A `deps` file that is not there is hashed as `missing` (the task still
    /// runs, and runs again once the file appears); said once per task and file.
    private func noteMissingDeps(_ task: String, _ dep: String) {
        let note = "task \"\(task)\" lists deps file \(JSON.string(dep).compact()), which does not exist in the workspace; its cache key counts it as missing"
        if !notes.contains(note) { notes.append(note) }
    }

    /// What downstream keys fold in for one upstream task: each instance's
    /// state and identity (its cache key, or a per-run identity when it is not cached).
    private func upstreamIdentity(_ up: Int) -> (String, String) {
        let refs: [InstanceRef]
        if graph.tasks[up].isMapped, let count = scheduler.expandedCount(up) {
            refs = (0..<count).map { InstanceRef(task: up, mapIndex: $0) }
        } else {
            refs = [InstanceRef(task: up, mapIndex: nil)]
        }
        return instanceIdentity(refs, positional: true)
    }

    /// The state and identity of some instances of one upstream task, as keys
    /// fold them in; `positional`: with their map indexes (a whole list's order matters).
    private func instanceIdentity(_ refs: [InstanceRef], positional: Bool) -> (String, String) {
        var canonical = ""
        var display = ""
        for r in refs {
            let state: String
            switch scheduler.phase(r) {
            case .done(let s)?: state = s == .success || s == .cached ? "ok" : s.rawValue
            default: state = "pending"
            }
            let identity = identities[r] ?? "-"
            canonical += (positional ? "\(r.mapIndex ?? -1):" : "") + "\(state):\(identity)\n"
            display = refs.count == 1 ? "\(state) \(CacheKey.short(identity))" : "\(refs.count) instances"
        }
        return (canonical, display)
    }

    /// For an instance mapped over a mapped upstream's output, the upstream
    /// instance its item came from: the list holds the values of the
    /// instances that wrote one, in map-index order (`resolveOutput`).
    func matchingInstance(_ ref: InstanceRef) -> InstanceRef? {
        guard let index = ref.mapIndex, case .output(let source)? = graph.tasks[ref.task].foreach,
              let producer = graph.index[source.task], graph.tasks[producer].isMapped else { return nil }
        let count = scheduler.expandedCount(producer) ?? 0
        let written = (0..<count).map { InstanceRef(task: producer, mapIndex: $0) }.filter { outputs[$0]?[source.output] != nil }
        return index < written.count ? written[index] : nil
    }

    /// Like `renderContext`, but tables and files render as their content
    /// digests: their paths name this run's directory, their bytes are what matter.
    private func keyContext(_ ref: InstanceRef) -> RenderContext {
        var item = ref.mapIndex.flatMap { index in items[ref.task].flatMap { index < $0.count ? $0[index] : nil } }
        if let index = ref.mapIndex, case .output(let source)? = graph.tasks[ref.task].foreach, isArtifact(source),
           let list = (try? keyOutput(source))?.0.arrayValue, index < list.count {
            item = list[index]
        }
        return RenderContext(params: plan.params, runID: runID, runDate: runDate, item: item, index: ref.mapIndex,
                             output: { [unowned self] reference throws(RenderError) in try self.keyOutput(reference) })
    }

    /// The same context with every value masked, to render what is shown.
    private func masked(_ context: RenderContext) -> RenderContext {
        guard !masker.isEmpty else { return context }
        let masker = masker
        let output = context.output
        return RenderContext(params: masker.mask(context.params), runID: context.runID, runDate: context.runDate,
                             item: context.item.map { masker.mask($0) }, index: context.index,
                             output: { reference throws(RenderError) in
                                 let (value, type) = try output(reference)
                                 return (masker.mask(value), type)
                             })
    }

    private func isArtifact(_ reference: OutputReference) -> Bool {
        guard let producer = graph.index[reference.task] else { return false }
        return graph.tasks[producer].output(reference.output)?.type.isArtifact == true
    }

    private func keyOutput(_ reference: OutputReference) throws(RenderError) -> (JSON, ValueType) {
        let (value, type) = try resolveOutput(reference)
        guard isArtifact(reference), let producer = graph.index[reference.task] else { return (value, type) }
        func digest(_ r: InstanceRef) -> JSON { .string("sha256:" + (artifactDigests[r]?[reference.output] ?? "unknown")) }
        if reference.byLabel, case .object(let members) = value {
            let refs = (0..<members.count).map { InstanceRef(task: producer, mapIndex: $0) }
            return (.object(zip(members, refs).map { member, r in (member.0, outputs[r]?[reference.output] == nil ? .null : digest(r)) }), type)
        }
        if graph.tasks[producer].isMapped {
            let count = scheduler.expandedCount(producer) ?? 0
            let refs = (0..<count).map { InstanceRef(task: producer, mapIndex: $0) }
            return (.array(refs.filter { outputs[$0]?[reference.output] != nil }.map(digest)), type)
        }
        return (digest(InstanceRef(task: producer, mapIndex: nil)), type)
    }

    /// An instance that is not cached (cache: false, a trigger, a key that
    /// could not be computed) gets an identity of its own run: whatever
    /// depends on it runs again too.
    func uncachedIdentity(_ ref: InstanceRef) -> String {
        CacheKey.sha256("uncached\u{0}\(runID)\u{0}\(key(ref).fileStem)")
    }

    // MARK: - Hits

    /// Links the entry's artifacts into this run, restores workspace files
    /// that changed, and settles the instance `cached`. False: the entry
    /// could not be used, and the instance runs.
    func applyHit(_ ref: InstanceRef, _ manifest: CacheManifest, _ cacheKey: CacheKey) -> Bool {
        guard let store = cache else { return false }
        let task = graph.tasks[ref.task]
        let key = cacheKey
        var values: [String: JSON] = [:]
        for (name, value) in manifest.outputs.objectValue ?? [] { values[name] = value }
        var digests: [String: String] = [:]
        var place: RecordDirectory?
        if !task.outputs.isEmpty || task.branch != nil {
            do { place = try records.outputDirectory(self.key(ref)) } catch { return false }
        }
        for artifact in manifest.artifacts {
            guard let declared = task.output(artifact.output), declared.type.isArtifact else { return false }
            let source = store.entryPath(key.digest) + "/" + artifact.file
            let target: String
            if let relative = artifact.workspacePath {
                target = workspace + "/" + relative
                if CacheFiles.size(target) != artifact.size || FileDigest.sha256(path: target) != artifact.sha256 {
                    do { try RunFiles.makeDirectories((target as NSString).deletingLastPathComponent) } catch { return false }
                    guard CacheFiles.linkOrCopy(source, to: target, copy: true) == nil else { return false }
                }
            } else {
                guard let place else { return false }
                let name = artifact.output + (declared.type.tableColumns != nil ? ".arrow" : "")
                target = place.path + "/" + name
                place.remove(name)
                guard CacheFiles.linkOrCopy(source, to: place.pinned(name), copy: false) == nil else { return false }
            }
            values[artifact.output] = .string(target)
            digests[artifact.output] = artifact.sha256
        }
        guard task.outputs.allSatisfy({ values[$0.name] != nil }) else { return false }
        if task.branch != nil, applyBranch(ref, values) != nil { return false }
        if let place {
            CacheFiles.writeQuietly(masker.mask(orderedOutputs(task, values)).pretty(), to: place.pinned("outputs.json"))
        }
        outputs[ref] = values
        artifactDigests[ref] = digests
        identities[ref] = key.digest
        let message = "key \(CacheKey.short(key.digest))… from run \(manifest.runID)"
        if options.cache.explain { explanations.append((ref, "cached: " + message)) }
        emit(ref, attempt: 0, state: .cached, message: message, outputs: orderedOutputs(task, values), cacheHit: true,
             cacheKey: key.digest)
        handle(scheduler.finish(ref, .cached))
        return true
    }

    /// An instance's outputs in declaration order, a branch task's `branch` last.
    func orderedOutputs(_ task: PlanTask, _ values: [String: JSON]) -> JSON { OutputCollector.ordered(task, values) }

    // MARK: - Publishing

    /// After a success: records the artifacts' digests and the instance's
    /// identity, and hands a new entry to the publisher. Returns the key to
    /// journal, or nil when nothing is cached.
    func recordSuccess(_ ref: InstanceRef, _ values: [String: JSON], end: Int64) -> String? {
        let task = graph.tasks[ref.task]
        var digests: [String: String] = [:]
        var sources: [String: String] = [:]
        var artifacts: [CacheManifest.Artifact] = []
        for output in task.outputs where output.type.isArtifact {
            guard let path = values[output.name]?.stringValue else { continue }
            let digest = FileDigest.sha256(path: path) ?? "unreadable"
            digests[output.name] = digest
            sources[output.name] = path
            let inWorkspace = output.path != nil && path.hasPrefix(workspace + "/") ? String(path.dropFirst(workspace.count + 1)) : nil
            artifacts.append(CacheManifest.Artifact(output: output.name, file: output.name + (output.type.tableColumns != nil ? ".arrow" : ".file"),
                                                    size: CacheFiles.size(path) ?? -1, sha256: digest, workspacePath: inWorkspace))
        }
        // Read only through the outputs it names: a task that declares no table or file has none to record.
        if task.outputs.contains(where: \.type.isArtifact) { artifactDigests[ref] = digests }
        guard let key = pendingKeys.removeValue(forKey: ref), let store = cache, let publisher else {
            identities[ref] = uncachedIdentity(ref)
            return nil
        }
        let scalars = values.filter { name, _ in task.output(name)?.type.isArtifact != true }
        // A value holding a secret could only be stored masked, and a cached
        // instance would then hand `***` downstream: such outputs are not
        // cached, and (like any uncached instance) give their downstream an
        // identity of this run, so it is not cached either.
        if !masker.isEmpty, masker.mask(orderedOutputs(task, scalars)) != orderedOutputs(task, scalars) {
            identities[ref] = uncachedIdentity(ref)
            return nil
        }
        identities[ref] = key.digest
        let manifest = CacheManifest(key: key.digest, pipeline: plan.pipeline, task: task.id, mapIndex: ref.mapIndex, runID: runID,
                                     created: end, outputs: orderedOutputs(task, scalars), artifacts: artifacts, components: key.components)
        let replace = forced.contains(ref.task)
        let files = sources
        publisher.submit { store.publish(manifest, sources: files, replace: replace) }
        return key.digest
    }
}

/// Publishes cache entries on a thread of its own, so linking files and
/// renaming directories overlaps the tasks instead of delaying the next start.
/// `finish` waits for every entry (the run holds the cache lock until then).
///
/// Entries gather for up to `gatherInterval` after the first one of a batch
/// (or until `batchLimit` are waiting), then the thread publishes them together:
/// waking it for every entry cost the loop a futex wake and the other core a
/// context switch per task. A crash may lose the entries of that interval, as
/// it may lose any entry (entries are not synced): a later run runs those tasks again.
///
/// The thread starts with the first entry, not with the run: a run's set-up
/// then starts one thread fewer before its first task, and a run that
/// publishes nothing (fully cached, or nothing succeeded) starts none.
final class CachePublisher: @unchecked Sendable {
    private let condition = NSCondition()
    /// A submitted entry's work. A closure in a struct, not in the array itself: an array
    /// of bare closures holds each behind a reabstraction thunk, one more allocation to
    /// make on the loop's thread and free on this one for every entry.
    private struct Job {
        let publish: @Sendable () -> String?
    }
    private var jobs: [Job] = []
    private var closing = false
    private var finished = false
    private var problems: [String] = []
    /// The thread waits for the first entry of a batch: only then does `submit` need to wake it.
    private var awaitingFirst = false
    /// The thread lets a batch gather: `submit` wakes it early only when the batch is full.
    private var gathering = false
    /// Whether the first `submit` has started the thread.
    private(set) var threadStarted = false

    static let gatherInterval: TimeInterval = 0.02
    static let batchLimit = 256
    /// How long this publisher lets a batch gather (`gatherInterval`; tests lengthen it).
    private let interval: TimeInterval

    init(gatherInterval: TimeInterval = CachePublisher.gatherInterval) {
        interval = gatherInterval
    }

    func submit(_ job: @escaping @Sendable () -> String?) {
        condition.lock()
        jobs.append(Job(publish: job))
        if awaitingFirst || (gathering && jobs.count >= Self.batchLimit) { condition.signal() }
        let first = !threadStarted
        threadStarted = true
        condition.unlock()
        // Its first wait finds this entry waiting and gathers a batch from it.
        if first { startThread() }
    }

    private func startThread() {
        let thread = Thread { [self] in
            SystemCalls.keepChildSignalsOffThisThread()
            work()
        }
        thread.name = "sluice-cache-publisher"
        thread.start()
    }

    /// No more entries will come: the batch gathering now is published at
    /// once, not after the rest of `gatherInterval`. The run's end calls it
    /// before its syncs, so that up to an interval's worth of manifests
    /// (about 15 µs each) are written while the disk syncs, not after.
    func endSubmissions() {
        condition.lock()
        closing = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for every submitted entry; returns the problems met (entries not published).
    func finish() -> [String] {
        endSubmissions()
        condition.lock()
        // Nothing was submitted: no thread, nothing to wait for.
        if !threadStarted { finished = true }
        while !finished { condition.wait() }
        let problems = self.problems
        condition.unlock()
        return problems
    }

    private func work() {
        while true {
            condition.lock()
            awaitingFirst = true
            while jobs.isEmpty && !closing { condition.wait() }
            awaitingFirst = false
            if !jobs.isEmpty && !closing && jobs.count < Self.batchLimit {
                let deadline = Date(timeIntervalSinceNow: interval)
                gathering = true
                while !closing && jobs.count < Self.batchLimit && condition.wait(until: deadline) {}
                gathering = false
            }
            if jobs.isEmpty {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll()
            condition.unlock()
            let found = batch.compactMap { $0.publish() }
            if !found.isEmpty {
                condition.lock()
                problems += found
                condition.unlock()
            }
        }
    }
}
