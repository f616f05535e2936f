import Crypto
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

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
}

public enum PlanBuilder {
    /// Builds the plan of the spec at `specPath` (as the user named it; paths
    /// in the plan stay relative to the current directory when it is relative).
    public static func build(specPath: String, paramOverrides: [String] = [], files: any ProjectFiles = DiskFiles()) -> PlanBuildResult {
        guard let text = files.read(specPath) else {
            return PlanBuildResult(plan: nil, diagnostics: [], sources: [:], failure: files.whyUnreadable(specPath) ?? "\(specPath): cannot be read")
        }
        let lint = Linter.lint([SpecSource(path: specPath, text: text)], files: files)
        var sources = [specPath: text]
        for diagnostic in lint.diagnostics where sources[diagnostic.file] == nil {
            sources[diagnostic.file] = files.read(diagnostic.file)
        }
        var result = PlanBuildResult(plan: nil, diagnostics: lint.diagnostics, sources: sources, failure: nil)
        guard lint.errorCount == 0, let checked = lint.checked.first else { return result }
        do {
            result.plan = try Lowering(checked: checked, pipelines: lint.pipelines, sourceText: text).plan(paramOverrides: paramOverrides)
        } catch {
            result.failure = error.message
        }
        return result
    }
}

/// Lowers one checked, error-free pipeline to its plan.
struct Lowering {
    let checked: CheckedPipeline
    let pipelines: PipelineIndex
    let sourceText: String

    var spec: PipelineSpec { checked.spec }

    func plan(paramOverrides: [String]) throws(ParamOverride.Failure) -> Plan {
        let specDirectory = SpecPaths.directory(of: spec.file)
        let workspace = WorkspacePaths.workspace(specFile: spec.file, workdir: spec.workdir?.value)
        func fromSpecDirectory(_ path: String) -> String {
            SpecPaths.relative(SpecPaths.fromSpec(spec.file, path), from: workspace)
        }
        let params = try ParamOverride.apply(paramOverrides, to: checked.contracts.params.json)
        let digest = SHA256.hash(data: Array(sourceText.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
        var tasks: [PlanTask] = []
        for index in topologicalOrder() {
            tasks.append(lowerTask(index, workspace: workspace, fromSpecDirectory: fromSpecDirectory))
        }
        return Plan(
            pipeline: spec.pipeline?.value ?? "",
            description: spec.description?.value,
            source: spec.file,
            sourceSHA256: digest,
            workspace: workspace,
            schedule: spec.schedule?.scalar?.text,
            params: params,
            pools: spec.pools.map { Plan.Pool(name: $0.name.value, slots: $0.slots.value) },
            maxActiveTasks: spec.maxActiveTasks?.value,
            envFile: spec.envFile.map { fromSpecDirectory($0.value) },
            secrets: spec.secrets.map(\.name.value),
            tasks: tasks
        )
    }

    func lowerTask(_ index: Int, workspace: String, fromSpecDirectory: (String) -> String) -> PlanTask {
        let task = spec.tasks[index]
        let contracts = checked.contracts
        let settings = task.settings, defaults = spec.defaults
        let kind: PlanTask.Kind = task.trigger != nil ? .trigger : (task.run != nil ? .command : .empty)
        var lowered = PlanTask(id: task.name.value, kind: kind)
        lowered.description = task.description?.value
        lowered.needs = checked.graph.upstream[index].map { checked.graph.names[$0] }
        if let run = task.run, let text = run.scalar?.text {
            lowered.run = template(text, site: .run, task: index)
        }
        if case .reference(let reference) = contracts.foreach[index] {
            switch reference.resolution {
            case .param(let path, _): lowered.foreach = .param(path)
            case .output(_, let output): lowered.foreach = .output(output)
            default: break
            }
        }
        lowered.outputs = contracts.outputs[index].compactMap { output in
            output.parsedType.map { PlanOutput(name: output.name, type: $0, path: output.spec.path.map { fromSpecDirectory($0.value) }) }
        }
        if !task.checks.isEmpty {
            for (output, checks) in TableCheckResolution(task: task, outputs: contracts.outputs[index]).checks {
                if let position = lowered.outputs.firstIndex(where: { $0.name == output }) { lowered.outputs[position].checks += checks }
            }
        }
        lowered.inputs = contracts.inputs[index].compactMap { input in
            guard case .output(_, let output)? = input.from?.resolution else { return nil }
            return PlanInput(name: input.spec.name.value, from: output)
        }
        lowered.branch = task.branch?.map(\.value)
        if let target = task.trigger, let entry = pipelines.resolve(target.value, from: spec.file) {
            lowered.trigger = PlanTrigger(pipeline: target.value, spec: SpecPaths.relative(entry.file, from: workspace))
        }
        lowered.triggerRule = BranchFlow.triggerRule(of: task, spec) ?? .allSuccess
        lowered.retries = (settings.retries ?? defaults.retries)?.value ?? 0
        lowered.retryDelayMilliseconds = duration(settings.retryDelay ?? defaults.retryDelay) ?? 0
        lowered.retryBackoff = (settings.retryBackoff ?? defaults.retryBackoff)?.value == .exponential ? .exponential : .fixed
        lowered.timeoutMilliseconds = duration(settings.timeout ?? defaults.timeout)
        lowered.pool = (settings.pool ?? defaults.pool)?.value
        lowered.env = task.env.map { entry in
            EnvVariable(name: entry.name.value, value: template(entry.value.scalar?.text ?? "", site: .env(entry.name.value), task: index))
        }
        lowered.deps = task.deps.map { WorkspacePaths.depsEntry($0.value) }
        lowered.cache = (settings.cache ?? defaults.cache)?.value ?? true
        var params = Set<String>(), outputs = Set<OutputReference>()
        for reference in contracts.references[index] {
            switch reference.resolution {
            case .param(let path, _): params.insert(path.joined(separator: "."))
            case .output(_, let output): outputs.insert(output)
            default: break
            }
        }
        for input in lowered.inputs { outputs.insert(input.from) }
        lowered.reads = Reads(params: params.sorted(), outputs: outputs.sorted())
        return lowered
    }

    /// The text as segments; references come from the checked facts, in the
    /// order the scanner found them, so the plan holds exactly what was checked.
    func template(_ text: String, site: ReferenceSite, task: Int) -> Template {
        var resolved = checked.contracts.references[task].filter { $0.site == site }.makeIterator()
        var segments: [Template.Segment] = []
        for piece in TemplateScanner.scan(text).pieces {
            switch piece {
            case .text(let literal):
                if case .text(let previous)? = segments.last {
                    segments[segments.count - 1] = .text(previous + literal)
                } else {
                    segments.append(.text(literal))
                }
            case .reference:
                if let reference = resolved.next()?.reference { segments.append(.reference(reference)) }
            }
        }
        return Template(segments)
    }

    func duration(_ node: YAMLNode?) -> Int64? {
        guard let text = node?.scalar?.text, case .success(let duration) = DurationLiteral.parse(text) else { return nil }
        return duration.milliseconds
    }

    /// Kahn's algorithm taking the smallest name among ready tasks each time,
    /// so the order is the same for the same spec whatever the file order.
    func topologicalOrder() -> [Int] {
        let graph = checked.graph
        var indegree = graph.upstream.map { $0.count }
        var ready = NameHeap(names: graph.names)
        for i in 0..<graph.count where indegree[i] == 0 { ready.push(i) }
        var order: [Int] = []
        order.reserveCapacity(graph.count)
        while let next = ready.pop() {
            order.append(next)
            for down in graph.downstream[next] {
                indegree[down] -= 1
                if indegree[down] == 0 { ready.push(down) }
            }
        }
        return order
    }
}

/// A binary min-heap of task indices ordered by task name.
struct NameHeap {
    let names: [String]
    private var items: [Int] = []

    init(names: [String]) { self.names = names }

    private func less(_ a: Int, _ b: Int) -> Bool { names[items[a]] < names[items[b]] }

    mutating func push(_ item: Int) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Int? {
        guard let top = items.first else { return nil }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count, less(left, smallest) { smallest = left }
            if right < items.count, less(right, smallest) { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
