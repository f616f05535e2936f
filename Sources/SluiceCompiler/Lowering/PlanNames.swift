import SluiceBasics
import SluicePlan
import SluiceSpec

/// A plan read from a file (hand-edited, or written elsewhere) is held to the
/// spec's own name rules before anything uses it: its ids become file and
/// directory names (`<pipeline>.py`, run directories, logs) and environment
/// variable names, so one that is a path (`../../tmp/x`) could make Sluice
/// write outside the workspace. Plans lowered from a spec pass by construction.
public enum PlanNames {
    /// The first name (or output path) in `plan` that a spec could not hold,
    /// described; nil when there is none.
    public static func firstInvalid(in plan: Plan) -> String? {
        if let problem = check(plan.pipeline, .pipeline, "pipeline") { return problem }
        for pool in plan.pools { if let problem = check(pool.name, .variable, "pool") { return problem } }
        for secret in plan.secrets { if let problem = check(secret, .variable, "secret") { return problem } }
        for task in plan.tasks {
            if let problem = check(task.id, .task, "task") ?? firstInvalid(in: task) { return problem }
        }
        return nil
    }

    private static func firstInvalid(in task: PlanTask) -> String? {
        let place = "of task \(task.id.debugDescription)"
        for need in task.needs { if let problem = check(need, .task, "\"needs\" \(place): task") { return problem } }
        if let pool = task.pool, let problem = check(pool, .variable, "pool \(place)") { return problem }
        for output in task.outputs {
            if let problem = check(output.name, .variable, "output \(place)") { return problem }
            if let path = output.path, PathEscape.escapes(path) {
                return "output \(output.name.debugDescription) \(place) would be written to \(path.debugDescription), outside the workspace"
            }
        }
        for input in task.inputs { if let problem = check(input.name, .variable, "input \(place)") { return problem } }
        for choice in task.branch ?? [] { if let problem = check(choice, .task, "branch choice \(place)") { return problem } }
        for variable in task.env { if let problem = check(variable.name, .variable, "env \(place)") { return problem } }
        if let target = task.trigger?.pipeline, let problem = check(target, .pipeline, "triggered pipeline \(place)") { return problem }
        return nil
    }

    private static func check(_ name: String, _ rule: IdentifierRule, _ what: @autoclosure () -> String) -> String? {
        rule.accepts(name) ? nil : "\(what()) \(name.debugDescription) is not a valid name: \(rule.explanation)"
    }
}
