import Foundation
import SluiceBasics
import SluiceColumnar
import SluiceCompiler
import SluiceDiagnostics
import SluiceExecutor
import SluiceGraph
import SluicePlan

/// `/api/pipelines/<name>` and its `graph.svg`: a pipeline as its runs
/// recorded it. The pipeline is known by its runs: its plan is the one its
/// newest run kept, its spec the file that plan names.
struct PipelineResource {
    let name: String
    let catalog: RunCatalog

    /// The most of a spec the page lints; a larger one is left unlinted.
    static let maxSpecBytes = 16 << 20

    /// The pipeline's runs (newest first) and the plan the newest readable one kept.
    private func lookup() -> (runs: [RunDirectory], plan: Plan?, planRun: RunDirectory?)? {
        let runs = catalog.runs(pipeline: name)
        guard !runs.isEmpty else { return nil }
        for run in runs {
            if let plan = RunStore(workspace: run.workspace).storedPlan(of: run) { return (runs, plan, run) }
        }
        return (runs, nil, nil)
    }

    func json() -> WebResponse {
        guard let (runs, plan, planRun) = lookup() else { return .error(404, "no runs of a pipeline \(WebResponder.shown(name))") }
        var entries: [JSON] = []
        for run in runs {
            guard let record = try? catalog.record(of: run) else { continue }
            entries.append(RunsReport.entry(record, state: catalog.state(of: record, run), directory: run))
        }
        let spec = plan.flatMap { plan in planRun.flatMap { Self.specPath(of: plan, workspace: $0.workspace) } }
        var members: [(String, JSON)] = [
            ("version", .int(1)), ("pipeline", .string(name)),
            ("description", plan?.description.map(JSON.string) ?? .null),
            ("spec", spec.map(JSON.string) ?? .null),
            ("params", plan?.params ?? .null),
            ("tasks", .array((plan?.tasks ?? []).map { .string($0.id) })),
        ]
        members.append(("lint", spec.flatMap(Self.lint) ?? .null))
        members.append(("runs", .array(entries)))
        return .json(.object(members))
    }

    func graph() -> WebResponse {
        guard let (_, plan, _) = lookup() else { return .error(404, "no runs of a pipeline \(WebResponder.shown(name))") }
        guard let plan else { return .error(404, "no run of \(WebResponder.shown(name)) kept a readable plan to draw") }
        return WebResponse(status: 200, contentType: "image/svg+xml", body: Array(SVGRenderer.render(GraphSubject(plan: plan)).utf8))
    }

    /// The spec a stored plan was made from, absolute, when the plan names
    /// it in a way that can be followed back (as `sluice show` finds it).
    static func specPath(of plan: Plan, workspace: String) -> String? {
        if plan.source.hasPrefix("/") { return plan.source }
        let parts = plan.workspace.split(separator: "/").filter { $0 != "." }
        guard !plan.workspace.hasPrefix("/"), !parts.contains("..") else { return nil }
        var directory = workspace
        for _ in parts { directory = (directory as NSString).deletingLastPathComponent }
        return ((directory + "/" + plan.source) as NSString).standardizingPath
    }

    /// `sluice lint --format json` of the spec, or nil when it is no longer
    /// there. Only a regular file named as a spec (`.yaml`, `.yml`) is read,
    /// not through a symlink: the plan's `source` is a record a task could have rewritten.
    static func lint(_ path: String) -> JSON? {
        guard path.hasSuffix(".yaml") || path.hasSuffix(".yml"),
              let bytes = try? RegularFile.read(path, followingSymlinks: false, limit: maxSpecBytes) else { return nil }
        let result = Linter.lint([SpecSource(path: path, text: String(decoding: bytes, as: UTF8.self))])
        return try? JSON.parse(JSONRenderer().render(result.diagnostics, files: result.fileCount))
    }
}
