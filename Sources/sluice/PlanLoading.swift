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
            let files = DiskFiles()
            guard let text = files.read(path) else { throw failUsageOrIO(files.whyUnreadable(path) ?? "\(path): cannot be read") }
            do {
                let plan = try Plan(jsonText: text)
                // Ids become file names and environment variables: a hand-edited one must not be a path.
                if let problem = PlanNames.firstInvalid(in: plan) { throw failUsageOrIO("\(path): not a valid plan: \(problem)") }
                var applied = plan
                applied.params = try ParamOverride.apply(paramOverrides, to: plan.params)
                return LoadedPlan(plan: applied, model: nil)
            } catch let error as PlanDecodingError {
                throw failUsageOrIO("\(path): not a Sluice plan: \(error.message)")
            } catch let error as ParamOverride.Failure {
                throw failUsageOrIO(error.message)
            }
        }
        let result = PlanBuilder.build(specPath: path, paramOverrides: paramOverrides, detail: detail)
        if let failure = result.failure { throw failUsageOrIO(failure) }
        printDiagnostics(result.diagnostics, sources: result.sources, color: color)
        guard let plan = result.plan else { throw ExitStatus.failure.code }
        return LoadedPlan(plan: plan, model: result.model)
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

/// A plan with the checked model it came from, still alive.
struct LoadedPlan {
    var plan: Plan
    var model: LintResult?
}
