import ArgumentParser
import Foundation
import SluiceCompiler
import SluiceDiagnostics
import SluicePlan

/// Getting a plan for `plan`, `graph` and `run`: compile a spec (printing its
/// diagnostics to stderr like `lint`), or read a plan JSON file.
enum PlanLoading {
    /// A `.json` path is read as a plan; anything else is compiled as a spec.
    /// Errors in the spec print and exit 1; unreadable input or a bad
    /// `--param` exits 2. Warnings print and do not stop.
    static func load(_ path: String, paramOverrides: [String] = [], color: ColorChoice = .auto) throws -> Plan {
        try loadKeepingModel(path, paramOverrides: paramOverrides, color: color).plan
    }

    /// A plan, and the checked model it was lowered from (nil for a plan
    /// JSON file): `load` for a command that exits right after drawing or
    /// writing the plan and keeps both alive to `exitWithoutTeardown`.
    /// `detail` is how much of a spec's plan to lower (`PlanDetail`); a plan
    /// JSON file is read whole.
    static func loadKeepingModel(_ path: String, paramOverrides: [String] = [], color: ColorChoice = .auto,
                                 detail: PlanDetail = .full) throws -> LoadedPlan {
        if path.hasSuffix(".json") {
            return LoadedPlan(plan: try read(path, paramOverrides: paramOverrides), model: nil)
        }
        let result = PlanBuilder.build(specPath: path, paramOverrides: paramOverrides, detail: detail)
        let plan = try reported(result, color: color) { $0.plan }
        return LoadedPlan(plan: plan, model: result.model)
    }

    /// What `plan` writes: a plan JSON file read whole, or a spec checked
    /// (its diagnostics printed, as `loadKeepingModel` does) with its tasks
    /// left to be lowered a range at a time as they are written
    /// (`PlanBuilder.buildLowering`), and the checked model to keep alive.
    static func loadForWriting(_ path: String, paramOverrides: [String] = [], color: ColorChoice = .auto) throws -> WritablePlan {
        if path.hasSuffix(".json") {
            let plan = try read(path, paramOverrides: paramOverrides)
            return WritablePlan(head: { plan }, tasks: plan.tasks, model: nil)
        }
        let (result, lowering) = PlanBuilder.buildLowering(specPath: path, paramOverrides: paramOverrides)
        let tasks = try reported(result, color: color) { _ in lowering }
        return WritablePlan(head: tasks.head, tasks: tasks, model: result.model)
    }

    /// A plan JSON file, checked and with the overrides applied.
    private static func read(_ path: String, paramOverrides: [String]) throws -> Plan {
        let files = DiskFiles()
        guard let text = files.read(path) else { throw failUsageOrIO(files.whyUnreadable(path) ?? "\(path): cannot be read") }
        do {
            let plan = try Plan(jsonText: text)
            // Ids become file names and environment variables: a hand-edited one must not be a path.
            if let problem = PlanNames.firstInvalid(in: plan) { throw failUsageOrIO("\(path): not a valid plan: \(problem)") }
            var applied = plan
            applied.params = try ParamOverride.apply(paramOverrides, to: plan.params)
            return applied
        } catch let error as PlanDecodingError {
            throw failUsageOrIO("\(path): not a Sluice plan: \(error.message)")
        } catch let error as ParamOverride.Failure {
            throw failUsageOrIO(error.message)
        }
    }

    /// What a build gave (`planned`), once its failure (exit 2) and
    /// diagnostics are reported; exit 1 when there is none (errors in the spec).
    private static func reported<Planned>(_ result: PlanBuildResult, color: ColorChoice,
                                          _ planned: (PlanBuildResult) -> Planned?) throws -> Planned {
        if let failure = result.failure { throw failUsageOrIO(failure) }
        printDiagnostics(result.diagnostics, sources: result.sources, color: color)
        guard let planned = planned(result) else { throw ExitStatus.failure.code }
        return planned
    }

    /// Renders diagnostics to stderr as `lint` does (nothing when there are none).
    static func printDiagnostics(_ diagnostics: [Diagnostic], sources: [String: String], color: ColorChoice) {
        guard !diagnostics.isEmpty else { return }
        let renderer = TextRenderer(useColor: color.enabled(for: STDERR_FILENO))
        var text = renderer.render(diagnostics) { sources[$0] }
        let summary = renderer.summary(LintSummary(diagnostics: diagnostics, files: 1))
        text += (text.hasSuffix("\n\n") ? "" : "\n") + (summary.hasSuffix("\n") ? summary : summary + "\n")
        writeErr(text)
    }
}

/// A plan to write: its head (all but the tasks) made when asked for, its
/// tasks (`PlanTaskSource`), and the checked model it came from, kept alive.
struct WritablePlan {
    var head: () -> Plan
    var tasks: any PlanTaskSource
    var model: LintResult?
}

/// A plan with the checked model it came from, still alive.
struct LoadedPlan {
    var plan: Plan
    var model: LintResult?
}
