import Crypto
import SluiceBasics
import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// Spec file → checked → plan: the front half of `plan`, `graph`, `run` and
/// `export`. The plan exists only when the spec has no errors.
public struct PlanBuildResult: Sendable {
    public var plan: Plan?
    /// Everything the checker found (warnings included), normalized.
    public var diagnostics: [Diagnostic]
    /// The text of every file a diagnostic names, for rendering them.
    public var sources: [String: String]
    /// A usage or I/O problem (unreadable spec, bad `--param`): exit 2.
    public var failure: String?
    /// The checked model the plan was lowered from. Handed out, not freed
    /// here, so a command that exits right after (`plan`, `graph`) can keep it
    /// alive to the end instead of freeing 10,000 tasks' syntax tree node by
    /// node; whoever drops the result frees it.
    public var model: LintResult? = nil

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
}

/// How much of the plan a command needs lowered. One lowering serves both,
/// so a drawing cannot drift from the plan it draws: `.drawing` only leaves
/// fields out, it computes none differently.
public enum PlanDetail: Sendable {
    /// Everything: the plan that is written, run and exported.
    case full
    /// What `graph` reads (SluiceGraph, and `--run`'s overlay): the pipeline's
    /// name and workspace; each task's id, kind, description, `needs`,
    /// `foreach`, branch choices, triggered pipeline, inputs and the outputs
    /// it reads. Left at `Plan`'s and `PlanTask`'s defaults: the spec's
    /// SHA-256 (empty), the templates (`run`, `label`, env, trigger params),
    /// outputs, settings, deps and the params a task reads. Such a plan is
    /// for drawing only: never written, run or exported.
    case drawing
}

public enum PlanBuilder {
    /// Builds the plan of the spec at `specPath` (as the user named it; paths
    /// in the plan stay relative to the current directory when it is relative).
    /// `threads` is for tests that compare the one- and two-thread lowering;
    /// `detail` is `.drawing` for `graph` (`PlanDetail`).
    public static func build(specPath: String, paramOverrides: [String] = [], files: any ProjectFiles = DiskFiles(),
                             threads: WorkThreads = .automatic, detail: PlanDetail = .full) -> PlanBuildResult {
        var (result, lowering) = check(specPath: specPath, files: files, detail: detail)
        guard let lowering else { return result }
        do {
            result.plan = try lowering.plan(paramOverrides: paramOverrides, threads: threads.count(forTasks: lowering.spec.tasks.count))
        } catch {
            result.failure = error.message
        }
        return result
    }

    /// `build`, with the tasks left to be lowered when the plan is written:
    /// the result has no `plan`, and when the spec has no errors (and the
    /// overrides apply) the `PlanLowering` gives its head and its tasks a
    /// range at a time. For `plan`, which writes each range's JSON and drops
    /// it (`Plan.writeJSONPieces(of:threads:head:tasks:_:)`).
    public static func buildLowering(specPath: String, paramOverrides: [String] = [],
                                     files: any ProjectFiles = DiskFiles()) -> (PlanBuildResult, PlanLowering?) {
        var (result, lowering) = check(specPath: specPath, files: files, detail: .full)
        guard let lowering else { return (result, nil) }
        do {
            return (result, try lowering.lazily(paramOverrides: paramOverrides))
        } catch {
            result.failure = error.message
            return (result, nil)
        }
    }

    /// The spec read and checked; the lowering when it has no errors.
    private static func check(specPath: String, files: any ProjectFiles, detail: PlanDetail) -> (PlanBuildResult, Lowering?) {
        guard let text = files.read(specPath) else {
            return (PlanBuildResult(plan: nil, diagnostics: [], sources: [:], failure: files.whyUnreadable(specPath) ?? "\(specPath): cannot be read"), nil)
        }
        let lint = Linter.lint([SpecSource(path: specPath, text: text)], files: files)
        var sources = [specPath: text]
        for diagnostic in lint.diagnostics where sources[diagnostic.file] == nil {
            sources[diagnostic.file] = files.read(diagnostic.file)
        }
        let result = PlanBuildResult(plan: nil, diagnostics: lint.diagnostics, sources: sources, failure: nil, model: lint)
        guard lint.errorCount == 0, let checked = lint.checked.first else { return (result, nil) }
        return (result, Lowering(checked: checked, pipelines: lint.pipelines, sourceText: text, detail: detail))
    }
}

/// A checked pipeline's plan with its tasks not yet lowered: the head (all
/// but the tasks) and the tasks a range at a time, in the plan's order, each
/// lowered when asked for by the same `Lowering.lowerTask` as `PlanBuilder.build`'s,
/// so the tasks are the same. `plan` writes each range's JSON and drops it.
public struct PlanLowering: PlanTaskSource {
    let lowering: Lowering
    let workspace: String
    /// Task indices of the spec in the plan's order.
    let order: [Int]
    let params: JSON

    public var count: Int { order.count }

    public func tasks(_ range: Range<Int>) -> [PlanTask] {
        order[range].map { lowering.lowerTask($0, workspace: workspace) }
    }

    /// The plan without its tasks (hashes the spec for its `source_sha256`).
    public func head() -> Plan {
        lowering.assembled(params: params, workspace: workspace, sourceSHA256: lowering.sourceDigest(), tasks: [])
    }
}

/// Lowers one checked, error-free pipeline to its plan. A class, so the
/// per-task calls share one reference to the model rather than copying (and
/// retaining every field of) the spec and its contracts for each task.
final class Lowering: Sendable {
    let checked: CheckedPipeline
    let pipelines: PipelineIndex
    let sourceText: String
    let spec: PipelineSpec
    let detail: PlanDetail
    /// The `defaults:` durations, parsed once rather than for every task that inherits them.
    let defaultDurations: (retryDelay: Int64?, timeout: Int64?)

    init(checked: CheckedPipeline, pipelines: PipelineIndex, sourceText: String, detail: PlanDetail = .full) {
        self.checked = checked
        self.pipelines = pipelines
        self.sourceText = sourceText
        spec = checked.spec
        self.detail = detail
        defaultDurations = (Self.duration(checked.spec.defaults.retryDelay), Self.duration(checked.spec.defaults.timeout))
    }

    /// The plan; with `threads` of 2 its tasks are lowered on two threads
    /// (`WorkThreads` decides how many by the plan's size and the CPUs).
    func plan(paramOverrides: [String], threads: Int = 1) throws(ParamOverride.Failure) -> Plan {
        let lazy = try lazily(paramOverrides: paramOverrides)
        let (workspace, order) = (lazy.workspace, lazy.order)
        let digest: String, tasks: [PlanTask]
        if threads >= 2 && order.count >= 2 {
            // The second half of the tasks on a thread of its own; this one
            // hashes the spec and lowers the first half. Each task is lowered
            // from the shared, read-only model alone, so the order of work
            // does not change a byte.
            // Both halves are written into the plan's one array, each thread
            // initializing its own range: joining two arrays copied every
            // task (a retain per field) and then freed the halves.
            let middle = order.count / 2
            var hashed = ""
            tasks = Array(unsafeUninitializedCapacity: order.count) { buffer, initialized in
                let slots = DisjointSlots(buffer)
                (hashed, _) = SecondThread.run({
                    for slot in 0..<middle { slots.initialize(slot, to: lowerTask(order[slot], workspace: workspace)) }
                    return sourceDigest()
                }, beside: { [self] in
                    for slot in middle..<order.count { slots.initialize(slot, to: lowerTask(order[slot], workspace: workspace)) }
                })
                initialized = order.count
            }
            digest = hashed
        } else {
            digest = sourceDigest()
            tasks = lazy.tasks(0..<order.count)
        }
        return assembled(params: lazy.params, workspace: workspace, sourceSHA256: digest, tasks: tasks)
    }

    /// The plan's overrides applied and its order found, its tasks lowered when asked for.
    func lazily(paramOverrides: [String]) throws(ParamOverride.Failure) -> PlanLowering {
        let params = try ParamOverride.apply(paramOverrides, to: checked.contracts.params.json)
        return PlanLowering(lowering: self, workspace: WorkspacePaths.workspace(specFile: spec.file, workdir: spec.workdir?.value),
                            order: topologicalOrder(), params: params)
    }

    /// The plan with these tasks and the spec's other fields.
    func assembled(params: JSON, workspace: String, sourceSHA256: String, tasks: [PlanTask]) -> Plan {
        Plan(
            pipeline: spec.pipeline?.value ?? "",
            description: spec.description?.value,
            source: spec.file,
            sourceSHA256: sourceSHA256,
            workspace: workspace,
            schedule: spec.schedule?.scalar?.text,
            params: params,
            pools: spec.pools.map { Plan.Pool(name: $0.name.value, slots: $0.slots.value) },
            maxActiveTasks: spec.maxActiveTasks?.value,
            envFile: spec.envFile.map { fromSpecDirectory($0.value, workspace: workspace) },
            secrets: spec.secrets.map(\.name.value),
            tasks: tasks
        )
    }

    /// `path` as written in the spec (relative to its directory), relative to the workspace.
    func fromSpecDirectory(_ path: String, workspace: String) -> String {
        SpecPaths.relative(SpecPaths.fromSpec(spec.file, path), from: workspace)
    }

    /// The plan's `source_sha256`; empty for a drawing, which never shows it.
    func sourceDigest() -> String {
        detail == .full ? Self.sha256Hex(sourceText) : ""
    }

    /// The lowercase hex SHA-256 of the spec's text, the plan's `source_sha256`.
    static func sha256Hex(_ text: String) -> String {
        // Hashed in place: `Array(text.utf8)` copied the whole spec (1.9 MB
        // of fresh heap for the 10,000-task bench spec) just to hash it.
        var text = text
        let digest = text.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
        return digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    func lowerTask(_ index: Int, workspace: String) -> PlanTask {
        let contracts = checked.contracts
        // The spec's task read field by field (`spec.tasks[index].x`): a
        // `let` copy of the whole `TaskSpec` retained and released each of
        // its fields, 850 instructions a task.
        let trigger = spec.tasks[index].trigger
        let kind: PlanTask.Kind = trigger != nil ? .trigger : (spec.tasks[index].run != nil ? .command : .empty)
        var foreach: ForeachSource?
        if case .reference(let reference) = contracts.foreach[index] {
            switch reference.resolution {
            case .param(let path, _): foreach = .param(path)
            case .output(_, let output): foreach = .output(output)
            default: break
            }
        }
        let inputs = contracts.inputs[index].compactMap { input -> PlanInput? in
            guard case .output(_, let output)? = input.from?.resolution else { return nil }
            return PlanInput(name: input.spec.name.value, from: output)
        }
        var plannedTrigger: PlanTrigger?
        if let target = trigger, let entry = pipelines.resolve(target.value, from: spec.file) {
            let params = detail == .full ? spec.tasks[index].triggerParams.enumerated().map { position, entry in
                TriggerParam(path: entry.path.value, value: template(entry.value.scalar?.text ?? "", .triggerParam(position), task: index))
            } : []
            plannedTrigger = PlanTrigger(pipeline: target.value, spec: SpecPaths.relative(entry.file, from: workspace), params: params)
        }
        // Arrays sorted once, duplicates dropped after: a task reads a few
        // values, and a `Set` per task cost more than the rest of its reads.
        var params: [String] = [], outputs: [OutputReference] = []
        // A label only names instances: what it reads is no input of the task's work or its cache key.
        for reference in contracts.references[index] where reference.site != .label {
            switch reference.resolution {
            case .param(let path, _): if detail == .full { params.append(path.joined(separator: ".")) }
            case .output(_, let output): outputs.append(output)
            default: break
            }
        }
        outputs += inputs.lazy.map(\.from)
        // What a drawing reads, in one initializer call: assigned one by one
        // after `PlanTask(id:kind:)`, each field's default was released first.
        var lowered = PlanTask(
            id: spec.tasks[index].name.value, description: spec.tasks[index].description?.value, kind: kind,
            needs: checked.graph.upstream[index].map { checked.graph.names[$0] }, foreach: foreach, inputs: inputs,
            branch: spec.tasks[index].branch?.map(\.value), trigger: plannedTrigger,
            reads: Reads(params: params.sortedUnique(), outputs: outputs.sortedUnique()))
        if detail == .full { lowerWork(of: spec.tasks[index], index, into: &lowered, workspace: workspace) }
        return lowered
    }

    /// What running the task takes and a drawing never reads (`PlanDetail`):
    /// its templates, outputs and their checks, settings, env and deps.
    private func lowerWork(of task: TaskSpec, _ index: Int, into lowered: inout PlanTask, workspace: String) {
        let contracts = checked.contracts
        let settings = task.settings, defaults = spec.defaults
        if let run = task.run, let text = run.scalar?.text {
            lowered.run = template(text, .run, task: index)
        }
        if task.foreach != nil, let label = task.label, let text = label.scalar?.text {
            lowered.label = template(text, .label, task: index)
        }
        lowered.outputs = contracts.outputs[index].compactMap { output in
            output.parsedType.map { PlanOutput(name: output.name, type: $0, path: output.spec.path.map { fromSpecDirectory($0.value, workspace: workspace) }) }
        }
        if !task.checks.isEmpty {
            for (output, checks) in TableCheckResolution(task: task, outputs: contracts.outputs[index]).checks {
                if let position = lowered.outputs.firstIndex(where: { $0.name == output }) { lowered.outputs[position].checks += checks }
            }
        }
        lowered.triggerRule = BranchFlow.triggerRule(of: task, spec) ?? .allSuccess
        lowered.retries = (settings.retries ?? defaults.retries)?.value ?? 0
        lowered.retryDelayMilliseconds = (settings.retryDelay != nil ? Self.duration(settings.retryDelay) : defaultDurations.retryDelay) ?? 0
        lowered.retryBackoff = (settings.retryBackoff ?? defaults.retryBackoff)?.value == .exponential ? .exponential : .fixed
        lowered.timeoutMilliseconds = settings.timeout != nil ? Self.duration(settings.timeout) : defaultDurations.timeout
        lowered.pool = (settings.pool ?? defaults.pool)?.value
        lowered.env = task.env.enumerated().map { position, entry in
            EnvVariable(name: entry.name.value, value: template(entry.value.scalar?.text ?? "", .env(position), task: index))
        }
        lowered.deps = task.deps.map { WorkspacePaths.depsEntry($0.value) }
        lowered.cache = (settings.cache ?? defaults.cache)?.value ?? true
    }

    /// The value as segments: the text and references the checks read
    /// (`PipelineContracts.templates`), so the plan holds exactly what was
    /// checked. A value without `{` was not scanned: it is all text.
    func template(_ text: String, _ slot: TaskTemplates.Slot, task: Int) -> Template {
        let contracts = checked.contracts
        guard let (texts, references) = contracts.templates.template(slot, of: task, in: contracts.references) else {
            return Template(text.isEmpty ? [] : [.text(text)])
        }
        var segments: [Template.Segment] = []
        // At most a segment per text and per reference: one allocation, not one per doubling.
        segments.reserveCapacity(2 * references.count + 1)
        func append(_ literal: String) {
            guard !literal.isEmpty else { return }
            if case .text(let previous)? = segments.last {
                segments[segments.count - 1] = .text(previous + literal)
            } else {
                segments.append(.text(literal))
            }
        }
        // Each reference after the text before it; then the text after the last.
        var literals = texts
        for k in references.indices {
            append(literals.next() ?? "")
            if let reference = references[k].reference { segments.append(.reference(reference)) }
        }
        while let literal = literals.next() { append(literal) }
        return Template(segments)
    }

    static func duration(_ node: YAMLNode?) -> Int64? {
        guard let text = node?.scalar?.text, case .success(let duration) = DurationLiteral.parse(text) else { return nil }
        return duration.milliseconds
    }

    /// Kahn's algorithm taking the smallest name among ready tasks each time,
    /// so the order is the same for the same spec whatever the file order.
    func topologicalOrder() -> [Int] {
        let graph = checked.graph
        return TopologicalOrder.sorted(upstream: graph.upstream, downstream: graph.downstream, ready: ReadyHeap(ByKey(graph.names)))
    }
}

/// Slots of one uninitialized buffer that two threads fill, each its own
/// range of them. `@unchecked Sendable`: the pointer itself is not, but no slot
/// is written by both threads, and none is read before `SecondThread.run`
/// has joined the helper (the join orders its writes before the reads).
private struct DisjointSlots: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<PlanTask>

    init(_ buffer: UnsafeMutableBufferPointer<PlanTask>) { self.buffer = buffer }

    func initialize(_ slot: Int, to task: PlanTask) {
        precondition(slot >= 0 && slot < buffer.count, "slot \(slot) outside the plan's \(buffer.count) tasks")
        buffer.initializeElement(at: slot, to: task)
    }
}

extension Array where Element: Comparable {
    /// The elements in ascending order, each once: what `Set(self).sorted()`
    /// gives, without hashing. Elements that sort together (neither `<` the
    /// other) are one only when also `==`, as in a set.
    func sortedUnique() -> [Element] {
        // Most tasks read one param and one output: nothing to sort or copy.
        guard count > 1 else { return self }
        var sorted = self.sorted()
        // `sorted[..<kept]` is the result so far; `sorted[runStart..<kept]` the kept elements that sort together with the next.
        var kept = 0, runStart = 0
        for position in sorted.indices {
            let element = sorted[position]
            if kept > 0 && !(sorted[runStart] < element) {
                if sorted[runStart..<kept].contains(element) { continue }
            } else {
                runStart = kept
            }
            sorted[kept] = element
            kept += 1
        }
        sorted.removeLast(sorted.count - kept)
        return sorted
    }
}
