import SluiceDiagnostics
import SluicePlan
import SluiceSpec

/// `invalid-trigger-rule`: not one of Airflow's trigger rules, or one Airflow
/// refuses on the task: `always` on a task that maps over an upstream output.
struct InvalidTriggerRule: Check {
    func check(_ context: CheckContext, into sink: inout DiagnosticSink) {
        var rules: [Spanned<String>] = context.spec.defaults.triggerRule.map { [$0] } ?? []
        rules += context.spec.tasks.compactMap(\.settings.triggerRule)
        let known = TriggerRule.allCases.map(\.rawValue)
        for rule in rules where TriggerRule(rawValue: rule.value) == nil {
            sink.emit(.invalidTriggerRule, at: rule.range, "\"\(rule.value)\" is not a trigger rule",
                      notes: ["trigger rules: \(known.joined(separator: ", "))"],
                      help: didYouMean(rule.value, among: known))
        }
        checkAlwaysOverAnOutput(context, into: &sink)
    }

    /// Airflow refuses such a DAG at import ("Task-generated mapping within a
    /// task using 'expand' is not allowed with trigger rule 'always'"): the
    /// mapped task would start before its producer had a list to map over.
    /// Mapping over params (a literal list in Airflow) is allowed.
    private func checkAlwaysOverAnOutput(_ context: CheckContext, into sink: inout DiagnosticSink) {
        for (task, fact) in context.contracts.foreach.enumerated() {
            guard case .reference(let reference)? = fact, case .output(_, let output) = reference.resolution,
                  let rule = context.spec.tasks[task].settings.triggerRule ?? context.spec.defaults.triggerRule,
                  TriggerRule(rawValue: rule.value) == .always else { continue }
            sink.emit(.invalidTriggerRule, at: rule.range,
                      "task \(quoted(context.taskName(task))) maps over \(output.task).\(output.output) with trigger rule \"always\", which Airflow refuses to import",
                      notes: ["Airflow: \"Task-generated mapping within a task using 'expand' is not allowed with trigger rule 'always'\"; mapping over params is allowed"],
                      help: "use trigger_rule: all_done, which also runs whatever its upstream tasks ended in, once they have all finished")
        }
    }
}
